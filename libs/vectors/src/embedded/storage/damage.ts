import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import type { StoreDamage } from '../../vector-store';

export type { StoreDamage };

/** Collects the damage an open found, logs each as it is found, keeps it for `EmbeddedVectorStore.damage()`. */
export class DamageLog {
  private readonly log = new Logger('VectorStore');
  private readonly found: StoreDamage[] = [];

  constructor(private readonly root: string) {}

  relative(file: string): string {
    return path.relative(this.root, file);
  }

  /** Records damage and logs it: an error when data was lost to corruption, a warning for a torn tail. */
  report(damage: Omit<StoreDamage, 'at'>): void {
    this.found.push({ ...damage, at: new Date() });
    const text =
      `${damage.reason === 'torn' ? 'torn write' : 'corruption'} in ${damage.file}: kept ` +
      `${damage.recordsKept} intact record${damage.recordsKept === 1 ? '' : 's'}, dropped ${damage.recordsLost} ` +
      `(${damage.bytesDiscarded} bytes)` +
      (damage.copy ? `; the damaged bytes are kept in ${damage.copy}` : '') +
      '; the products whose vectors were lost are re-indexed from the catalog by the next sync';
    if (damage.reason === 'corrupt') this.log.error(text);
    else this.log.warn(text);
  }

  get all(): readonly StoreDamage[] {
    return this.found;
  }
}

/** Copies `buf[from..]` next to `file` as `<file>.corrupt-<timestamp>`; returns the copy's path. */
export async function keepDamagedCopy(file: string, buf: Buffer, from: number): Promise<string> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let copy = `${file}.corrupt-${stamp}`;
  for (let n = 1; await exists(copy); n++) copy = `${file}.corrupt-${stamp}-${n}`;
  await fs.writeFile(copy, buf.subarray(from));
  return copy;
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
