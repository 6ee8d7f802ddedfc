import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { DomainError } from '@vitrine/core';

/** What the main thread hands the worker. */
export interface PgliteWorkerData {
  readonly dataDir: string;
  readonly listen: { readonly path: string } | { readonly host: string; readonly port: number };
}

export type PgliteWorkerMessage =
  | { readonly type: 'ready'; readonly address: string }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'stopped' };

/** A running embedded PostgreSQL: where `pg` connects, and how to stop it. */
export interface PgliteHost {
  /** `pg` connection settings: a Unix socket folder (port picks the socket file) or 127.0.0.1 with a free port. */
  readonly connection: { readonly host: string; readonly port: number };
  /** Stops the wire server, closes PGlite (flushing its files), ends the worker and releases the lock. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;
const SOCKET_PORT = 5432;

/**
 * Starts PGlite on `dataDir` (created and initialised on first use, which takes several seconds) in a worker
 * thread and serves it over the PostgreSQL wire protocol, so the ordinary `pg` driver and TypeORM's postgres driver
 * work unchanged. On POSIX it listens on a Unix socket in a fresh private (0700) temp folder, so no other local
 * user can connect; on Windows on 127.0.0.1 with a free port.
 *
 * A lock file beside the data folder (`<dataDir>.lock`) refuses a second process: PGlite itself would let two
 * processes open the same folder and corrupt it.
 */
export async function startPglite(dataDir: string): Promise<PgliteHost> {
  fs.mkdirSync(dataDir, { recursive: true });
  const releaseLock = acquireLock(dataDir);
  const socketDir =
    process.platform === 'win32' ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'vitrine-pg-'));
  const listen: PgliteWorkerData['listen'] = socketDir
    ? { path: path.join(socketDir, `.s.PGSQL.${SOCKET_PORT}`) }
    : { host: '127.0.0.1', port: 0 };
  const cleanup = (): void => {
    if (socketDir) fs.rmSync(socketDir, { recursive: true, force: true });
    releaseLock();
  };

  let worker: Worker;
  try {
    worker = spawnWorker({ dataDir, listen });
  } catch (e) {
    cleanup();
    throw e;
  }
  let address: string;
  try {
    address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`PGlite did not start within ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
      worker.once('message', (m: PgliteWorkerMessage) => {
        clearTimeout(timer);
        if (m.type === 'ready') resolve(m.address);
        else reject(new Error(m.type === 'failed' ? m.message : `unexpected ${m.type}`));
      });
      worker.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      worker.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`PGlite worker exited with code ${code} before it was ready`));
      });
    });
  } catch (e) {
    await worker.terminate();
    cleanup();
    throw new DomainError(
      'UNAVAILABLE',
      `Embedded database at ${dataDir} failed to start: ${(e as Error).message}`,
      {
        dataDir,
      },
    );
  }
  worker.removeAllListeners();
  // A crash after start surfaces as connection errors in pg; keep it from becoming an unhandled 'error' event.
  let crash: Error | undefined;
  worker.on('error', (e) => (crash = e));

  const connection = socketDir
    ? { host: socketDir, port: SOCKET_PORT }
    : { host: '127.0.0.1', port: Number(address.slice(address.lastIndexOf(':') + 1)) };

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const stopped = new Promise<PgliteWorkerMessage>((resolve) => worker.once('message', resolve));
    worker.postMessage('stop');
    const outcome = await Promise.race([
      stopped,
      exited.then(() => undefined),
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS).unref()),
    ]);
    if (outcome === 'timeout') await worker.terminate();
    else await exited;
    cleanup();
    if (crash) throw crash;
    if (outcome === 'timeout')
      throw new Error(`PGlite at ${dataDir} did not stop within ${STOP_TIMEOUT_MS} ms`);
    if (outcome?.type === 'failed')
      throw new Error(`PGlite at ${dataDir} failed to stop: ${outcome.message}`);
  };
  return {
    connection,
    stop: () => (stopping ??= stop()),
  };
}

/**
 * From dist/ the worker is plain JavaScript next to this file; from the TypeScript sources (Jest, benchmarks run
 * with @swc-node/register) the worker compiles itself the same way.
 */
function spawnWorker(data: PgliteWorkerData): Worker {
  const ext = path.extname(__filename);
  const file = path.join(__dirname, `pglite-worker${ext}`);
  const execArgv = ext === '.ts' ? ['--require', require.resolve('@swc-node/register')] : [];
  return new Worker(file, { workerData: data, execArgv });
}

/** Lock files this process holds: a lock naming our own pid that is not in here was left by an earlier run. */
const heldLocks = new Set<string>();

/**
 * Exclusive lock via O_EXCL holding the owner's pid. A lock whose process is gone is taken over, and so is one
 * naming our own pid that this process does not hold (a restarted container reuses the pid of the previous run).
 */
function acquireLock(dataDir: string): () => void {
  const lockFile = `${dataDir}.lock`;
  if (heldLocks.has(lockFile)) {
    throw new DomainError('CONFLICT', `Embedded database ${dataDir} is already open in this process`, {
      lockFile,
    });
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      heldLocks.add(lockFile);
      return () => {
        heldLocks.delete(lockFile);
        fs.rmSync(lockFile, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.readFileSync(lockFile, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new DomainError(
          'CONFLICT',
          `Embedded database ${dataDir} is in use by process ${pid}. Embedded mode serves one process; set ` +
            `DATABASE_URL to share a catalog between processes. If no Vitrine process uses it, delete ${lockFile}.`,
          { lockFile, pid },
        );
      }
      fs.rmSync(lockFile, { force: true });
    }
  }
  throw new DomainError('CONFLICT', `Could not lock ${lockFile}`, { lockFile });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
