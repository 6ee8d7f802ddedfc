import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Suffix of files being written; whatever carries it after a crash is garbage and removed on open. */
export const TEMP_SUFFIX = '.tmp';

/** fsyncs a directory so that a rename or a new file in it survives a power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Replaces `file` with `chunks` so that a crash at any point leaves either the old or the new content: write a temp
 * file, fsync it, rename it over the target (atomic on POSIX), fsync the directory. Chunks are written as they come
 * (a generator is advanced one chunk per write), so a caller need not hold the whole file in memory.
 */
export async function writeFileAtomic(
  file: string,
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array> | string,
): Promise<void> {
  const tmp = `${file}${TEMP_SUFFIX}`;
  const fh = await fs.open(tmp, 'w');
  try {
    if (typeof chunks === 'string') await fh.writeFile(chunks, 'utf8');
    else for await (const c of chunks) await fh.write(c);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.rename(tmp, file);
  await fsyncDir(path.dirname(file));
}

/** Removes leftovers of interrupted atomic writes in `dir`. */
export async function removeTempFiles(dir: string): Promise<void> {
  for (const name of await fs.readdir(dir)) {
    if (name.endsWith(TEMP_SUFFIX)) await fs.rm(path.join(dir, name), { force: true });
  }
}
