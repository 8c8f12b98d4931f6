import { mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Write a file so that readers see the old or the new content, never a
 * part: write a temporary file beside it, fsync it, rename it over the
 * target, then fsync the directory so the rename survives a power cut
 * (directories cannot be fsynced on Windows; that step is skipped there).
 */
export async function writeFileAtomic(
  file: string,
  data: string | Buffer,
  options: { fsync?: boolean; mode?: number } = {},
): Promise<void> {
  const fsync = options.fsync ?? true;
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = path.join(
    dir,
    `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`,
  );
  const handle = await open(temp, 'w', options.mode ?? 0o644);
  try {
    await handle.writeFile(data);
    if (fsync) await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => {});
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  if (fsync && process.platform !== 'win32') {
    const directory = await open(dir, 'r');
    await directory.sync().finally(() => directory.close());
  }
}

/** An ISO time that is a valid file name on Windows too: 2026-12-04T21-30-00.123Z. */
export function fileSafeTime(date: Date): string {
  return date.toISOString().replace(/:/g, '-');
}
