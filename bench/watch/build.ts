import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

/** The repository root, two levels above this file's bundle in bench/results/. */
export const ROOT = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/**
 * Bundle one TypeScript entry of bench/watch into bench/results/, so it runs
 * with plain node in a process of its own. Packages stay external and load
 * from node_modules.
 */
export async function bundle(entry: string, external: string[]): Promise<string> {
  const output = path.join(ROOT, 'bench', 'results', `${path.basename(entry, '.ts')}.mjs`);
  await build({
    input: path.join(ROOT, 'bench', 'watch', entry),
    platform: 'node',
    external,
    logLevel: 'silent',
    output: { file: output, format: 'esm', codeSplitting: false },
  });
  return output;
}
