import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { storageFaultOf, type AppConfig, type DomainError } from '@vitrine/core';

/** How long a storage fault seen by a request keeps the API unready after the last one. */
export const STORAGE_FAULT_HOLD_MS = 60_000;
/** The probe file, left nowhere: written, flushed to disk and removed on every readiness check. */
export const STORAGE_PROBE_FILE = '.vitrine-write-probe';
/** One file-system block: small, but a real allocation (a 0-byte write would succeed on a full disk). */
const PROBE_BYTES = Buffer.alloc(4096, 0x2e);

export interface StorageDir {
  /** What the directory holds, as readiness reports it (paths stay in the server's log). */
  readonly name: string;
  readonly dir: string;
}

export interface StorageHealthOptions {
  readonly holdMs?: number;
  readonly now?: () => number;
}

/**
 * Whether the API can write where it keeps data (the embedded catalog and vector store under DATA_DIR):
 * readiness writes, fsyncs and removes a small probe file in each directory in use, and stays down for
 * {@link STORAGE_FAULT_HOLD_MS} after a request met a full or read-only disk (the probe's one block can fit
 * where a database page or a log append did not). In full-stack mode (PostgreSQL and Qdrant) nothing is
 * stored locally and the check reports that.
 */
export class StorageHealth {
  private readonly log = new Logger('Storage');
  private readonly holdMs: number;
  private readonly now: () => number;
  private lastFault: { readonly fault: DomainError; readonly at: number } | undefined;

  constructor(
    private readonly dirs: readonly StorageDir[],
    options: StorageHealthOptions = {},
  ) {
    this.holdMs = options.holdMs ?? STORAGE_FAULT_HOLD_MS;
    this.now = options.now ?? Date.now;
  }

  static forConfig(config: AppConfig): StorageHealth {
    const dirs: StorageDir[] = [];
    // Beside PGlite's folder (where its lock file lives), not in it: nothing foreign in a PostgreSQL data dir.
    if (config.database.kind === 'pglite') {
      dirs.push({ name: 'catalog database', dir: path.dirname(config.database.dir) });
    }
    if (config.vectors.kind === 'embedded') dirs.push({ name: 'vector store', dir: config.vectors.dir });
    return new StorageHealth(dirs);
  }

  /** Remembers a storage fault a request ran into (called by the error filter). */
  recordFault(fault: DomainError): void {
    if (!this.lastFault) this.log.error(`storage fault: ${fault.code} (${String(fault.details?.reason)})`);
    this.lastFault = { fault, at: this.now() };
  }

  /**
   * Resolves with what was checked; rejects with a message naming the directory's role and the fault when a
   * probe fails or a fault is recent.
   */
  async check(): Promise<Record<string, unknown>> {
    if (this.dirs.length === 0) return { kind: 'nothing stored locally (PostgreSQL and Qdrant)' };
    for (const { name, dir } of this.dirs) {
      try {
        await probe(dir);
      } catch (e) {
        const fault = storageFaultOf(e);
        const { code } = e as { code?: unknown };
        this.log.warn(
          `${name} at ${dir} failed its write probe: ${e instanceof Error ? e.message : String(e)}`,
        );
        if (fault) this.recordFault(fault);
        throw new Error(
          `${name}: cannot write (${fault?.code ?? 'UNAVAILABLE'}, ${typeof code === 'string' ? code : 'error'})`,
        );
      }
    }
    const recent = this.lastFault;
    if (recent) {
      const ago = this.now() - recent.at;
      if (ago < this.holdMs) {
        throw new Error(
          `${recent.fault.code} (${String(recent.fault.details?.reason)}) ${Math.round(ago / 1000)} s ago; ` +
            `ready again ${Math.round(this.holdMs / 1000)} s after the last one if writes succeed`,
        );
      }
      this.log.log(`storage writable again (last fault ${Math.round(ago / 1000)} s ago)`);
      this.lastFault = undefined;
    }
    return { writable: this.dirs.map((d) => d.name) };
  }
}

async function probe(dir: string): Promise<void> {
  const file = path.join(dir, STORAGE_PROBE_FILE);
  const handle = await fs.open(file, 'w');
  let failure: Error | undefined;
  try {
    await handle.write(PROBE_BYTES);
    // Delayed allocation and network file systems report a full disk at flush time, not at write time.
    await handle.sync();
  } catch (e) {
    failure = e as Error;
  }
  await handle.close().catch((e: unknown) => {
    failure ??= e as Error;
  });
  await fs.rm(file, { force: true }).catch(() => undefined);
  if (failure !== undefined) throw failure;
}
