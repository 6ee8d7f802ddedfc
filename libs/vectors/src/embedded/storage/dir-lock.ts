import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DomainError } from '@vitrine/core';

/** Directories this process holds, so a second open in the same process fails as clearly as in another. */
const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One writer per directory: a `LOCK` file holding the owner's pid. A lock left by a process that no longer
 * runs (a crash) is taken over; a live owner is a `CONFLICT`, since two writers would corrupt the log.
 */
export class DirLock {
  private constructor(
    private readonly dir: string,
    private readonly file: string,
  ) {}

  static async acquire(dir: string): Promise<DirLock> {
    const abs = path.resolve(dir);
    const file = path.join(abs, 'LOCK');
    const conflict = (pid: number) =>
      new DomainError('CONFLICT', `The vector store at ${abs} is already open (process ${pid})`, {
        dir: abs,
        pid,
      });
    if (held.has(abs)) throw conflict(process.pid);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await fs.writeFile(file, String(process.pid), { flag: 'wx' });
        held.add(abs);
        return new DirLock(abs, file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const pid = Number((await fs.readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw conflict(pid);
      await fs.rm(file, { force: true });
    }
    throw conflict(0);
  }

  async release(): Promise<void> {
    held.delete(this.dir);
    await fs.rm(this.file, { force: true });
  }
}
