import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Shape of a generated source tree. */
export interface TreeShape {
  /** Total files written. */
  files: number;
  /** Files per leaf directory. */
  filesPerDir: number;
  /** Leaf directories per package directory. */
  dirsPerPackage: number;
}

export interface GeneratedTree {
  root: string;
  files: number;
  directories: number;
  /** Relative path of a file in the last leaf directory, to probe full coverage. */
  lastFile: string;
  /** Relative path of a file directly in the root, the one the latency runs save. */
  rootFile: string;
}

const BATCH = 256;

/**
 * Write a Python-project-like tree: src/pkgNNN/modNNN/fileNNN.py, a few
 * bytes each, plus app.py at the root. Writes run in batches so that 200,000
 * files take seconds, not minutes.
 */
export async function generateTree(
  root: string,
  shape: Partial<TreeShape> & { files: number },
): Promise<GeneratedTree> {
  const filesPerDir = shape.filesPerDir ?? 50;
  const dirsPerPackage = shape.dirsPerPackage ?? 20;
  const leafDirs = Math.ceil(shape.files / filesPerDir);
  const packages = Math.ceil(leafDirs / dirsPerPackage);

  const pad = (n: number) => String(n).padStart(3, '0');
  const leafPaths: string[] = [];
  for (let leaf = 0; leaf < leafDirs; leaf++) {
    const pkg = Math.floor(leaf / dirsPerPackage);
    leafPaths.push(path.join('src', `pkg${pad(pkg)}`, `mod${pad(leaf % dirsPerPackage)}`));
  }
  for (const leaf of leafPaths) await mkdir(path.join(root, leaf), { recursive: true });

  const writes: Array<[string, string]> = [];
  let written = 0;
  for (let leaf = 0; leaf < leafDirs && written < shape.files; leaf++) {
    for (let file = 0; file < filesPerDir && written < shape.files; file++) {
      writes.push([path.join(leafPaths[leaf]!, `file${pad(file)}.py`), `VALUE = ${written}\n`]);
      written++;
    }
  }
  for (let start = 0; start < writes.length; start += BATCH) {
    await Promise.all(
      writes
        .slice(start, start + BATCH)
        .map(([relative, text]) => writeFile(path.join(root, relative), text)),
    );
  }
  await writeFile(path.join(root, 'app.py'), 'print("app")\n');

  return {
    root,
    files: written + 1,
    directories: leafDirs + packages + 2,
    lastFile: writes[writes.length - 1]![0],
    rootFile: 'app.py',
  };
}
