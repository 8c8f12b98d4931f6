// Copy the files that tsc does not emit (the dashboard page) from src into
// dist, so `node dist/cli/main.js run` serves the same page as the sources.
// Run after tsc: `tsc -p tsconfig.json && node scripts/copy-assets.mjs`.
import { cp, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ASSET_DIRS = ['status/dashboard'];

for (const dir of ASSET_DIRS) {
  const from = path.join(root, 'src', dir);
  const to = path.join(root, 'dist', dir);
  await cp(from, to, { recursive: true, force: true });
  const files = await readdir(to);
  console.log(`copied ${files.length} file(s) from src/${dir} to dist/${dir}`);
}
