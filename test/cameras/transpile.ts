import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * Transpile a source file and every module it imports by relative path into
 * `outDir`, keeping the layout under `rootDir`, so a plain `node` child
 * process (one that runs as another user, say) can import it. Types are
 * dropped, not checked: the project's own tsc run checks them.
 */
export function transpileTree(entry: string, rootDir: string, outDir: string): string {
  const done = new Set<string>();
  const pending = [resolve(entry)];

  while (pending.length > 0) {
    const file = pending.pop()!;
    if (done.has(file)) continue;
    done.add(file);

    const source = readFileSync(file, 'utf8');
    const output = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: file,
    }).outputText;
    const target = join(outDir, relative(rootDir, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, output);

    for (const match of source.matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)) {
      pending.push(resolve(dirname(file), `${match[1]}.ts`));
    }
  }

  writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n');
  return join(outDir, relative(rootDir, resolve(entry))).replace(/\.ts$/, '.js');
}
