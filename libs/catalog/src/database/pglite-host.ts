import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { DomainError } from '@vitrine/core';

/** What the main thread hands the worker. */
export interface PgliteWorkerData {
  readonly dataDir: string;
  readonly listen: { readonly path: string } | { readonly host: string; readonly port: number };
  /** `name=value` PostgreSQL settings PGlite starts with (each becomes `-c name=value`). */
  readonly settings: readonly string[];
}

/**
 * PostgreSQL settings for a database that serves one process through one connection. PGlite's WebAssembly memory
 * only ever grows, and Postgres touches all of `shared_buffers` at start: the default 128 MB was 151 of the 157 MiB
 * PGlite held resident in the idle API. 16 MB still holds a demo-sized catalog's tables and indexes several times
 * over (pages beyond it come from the kernel's page cache); `maintenance_work_mem` bounds what an index build grows
 * the memory to (default 64 MB). Measured: `npm run bench:memory` (idle RSS) and `npm run bench:import` (import and
 * search speed against Postgres' defaults in one run), docs/benchmarks.md#memory-issue-16.
 */
export const PGLITE_SETTINGS: readonly string[] = ['shared_buffers=16MB', 'maintenance_work_mem=16MB'];

export type PgliteWorkerMessage =
  | { readonly type: 'ready'; readonly address: string }
  | { readonly type: 'failed'; readonly message: string }
  /** PGlite itself failed while running a protocol message (not a database error): this instance is unusable. */
  | { readonly type: 'crashed'; readonly message: string; readonly stack: string | undefined }
  | { readonly type: 'pong' }
  /** A message whose framing PGlite cannot survive was answered with a FATAL and never reached it. */
  | { readonly type: 'refused'; readonly message: string }
  | { readonly type: 'stopped' };

/** `up`: serving; `restarting`: crashed, a new worker is on its way; `failed`: every restart failed; `stopped`. */
export type PgliteState = 'up' | 'restarting' | 'failed' | 'stopped';

/** Where the host reports crashes and restarts (Nest's `Logger` fits). */
export interface PgliteLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface PgliteHostOptions {
  /**
   * Consecutive restarts tried after a crash before giving up (default 5). A worker that served for a minute has
   * recovered: the next crash starts counting again.
   */
  readonly maxRestarts?: number;
  /** Wait before the first restart, doubled for each consecutive one up to 10 s (default 250 ms). */
  readonly restartDelayMs?: number;
  /** Called once when the database crashed and every restart failed: the process should exit and be restarted. */
  readonly onUnrecoverable?: (error: Error) => void;
  readonly logger?: PgliteLogger;
  /**
   * A worker that does not answer a ping for this long is stuck (PGlite runs statements synchronously on the
   * worker's thread, so one that never ends blocks every other query) and is restarted like a crashed one.
   * Undefined: no watchdog. Set it above the longest statement allowed (the catalog uses twice its query bound).
   */
  readonly watchdogMs?: number;
  /** PostgreSQL settings (`name=value`) PGlite starts with; default {@link PGLITE_SETTINGS}, `[]` for Postgres' own. */
  readonly settings?: readonly string[];
}

/** A running embedded PostgreSQL: where `pg` connects, and how to stop it. */
export interface PgliteHost {
  /** `pg` connection settings: a Unix socket folder (port picks the socket file) or 127.0.0.1 with a port. */
  readonly connection: { readonly host: string; readonly port: number };
  state(): PgliteState;
  /** Crashes seen, restarts that brought the database back, malformed messages refused, since start. */
  stats(): {
    readonly crashes: number;
    readonly restarts: number;
    readonly lastCrash: string | undefined;
    readonly refused: number;
  };
  /** Stops the wire server, closes PGlite (flushing its files), ends the worker and releases the lock. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;
const SOCKET_PORT = 5432;
const MAX_RESTART_DELAY_MS = 10_000;
/** A worker that served this long has recovered: a later crash starts the restart count again. */
const STABLE_AFTER_MS = 60_000;

/**
 * Starts PGlite on `dataDir` (created and initialised on first use, which takes several seconds) in a worker
 * thread and serves it over the PostgreSQL wire protocol, so the ordinary `pg` driver and TypeORM's postgres driver
 * work unchanged. On POSIX it listens on a Unix socket in a fresh private (0700) temp folder, so no other local
 * user can connect; on Windows on 127.0.0.1 with a free port.
 *
 * A lock file beside the data folder (`<dataDir>.lock`) refuses a second process: PGlite itself would let two
 * processes open the same folder and corrupt it.
 *
 * **Crashes.** When PGlite itself fails (its backend exits, a write under it throws; see pglite-worker.ts) or the
 * worker dies, the host logs the cause, ends the worker at once (every open connection closes, so in-flight
 * queries fail instead of waiting; new connections are refused while it is down) and starts a new worker on the
 * same folder and address, which recovers from PostgreSQL's write-ahead log as after a power cut: every committed
 * transaction is kept. The `pg` pool reconnects by itself. Restarts back off (`restartDelayMs`, doubling) and are
 * bounded (`maxRestarts` in a row); after that the state is `failed` and `onUnrecoverable` is called.
 */
export async function startPglite(dataDir: string, options: PgliteHostOptions = {}): Promise<PgliteHost> {
  const maxRestarts = options.maxRestarts ?? 5;
  const restartDelayMs = options.restartDelayMs ?? 250;
  const settings = options.settings ?? PGLITE_SETTINGS;
  const logger = options.logger;
  fs.mkdirSync(dataDir, { recursive: true });
  const releaseLock = acquireLock(dataDir);
  const socketDir =
    process.platform === 'win32' ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'vitrine-pg-'));
  let listen: PgliteWorkerData['listen'] = socketDir
    ? { path: path.join(socketDir, `.s.PGSQL.${SOCKET_PORT}`) }
    : { host: '127.0.0.1', port: 0 };
  const cleanup = (): void => {
    if (socketDir) fs.rmSync(socketDir, { recursive: true, force: true });
    releaseLock();
  };

  let started: { worker: Worker; address: string };
  try {
    started = await launch({ dataDir, listen, settings });
  } catch (e) {
    cleanup();
    throw new DomainError(
      'UNAVAILABLE',
      `Embedded database at ${dataDir} failed to start: ${(e as Error).message}`,
      {
        dataDir,
      },
    );
  }
  const address = started.address;
  /** The serving worker; undefined while a crashed one is replaced (or none could be). */
  let worker: Worker | undefined = started.worker;
  const connection = socketDir
    ? { host: socketDir, port: SOCKET_PORT }
    : { host: '127.0.0.1', port: Number(address.slice(address.lastIndexOf(':') + 1)) };
  // A restarted worker listens where the pool connects.
  if (!socketDir) listen = { host: '127.0.0.1', port: connection.port };

  let state: PgliteState = 'up';
  let upSince = Date.now();
  let consecutive = 0;
  let crashes = 0;
  let restarts = 0;
  let lastCrash: string | undefined;
  let refused = 0;
  let stopping: Promise<void> | undefined;
  let recovering: Promise<void> | undefined;
  /** When the unanswered ping was sent (undefined: none outstanding). */
  let pingSent: number | undefined;

  const watch = (w: Worker): void => {
    forget(w);
    w.on('message', (m: PgliteWorkerMessage) => {
      if (m.type === 'crashed') crashed(w, m.stack ?? m.message);
      if (m.type === 'pong') pingSent = undefined;
      if (m.type === 'refused') {
        refused++;
        logger?.warn(`Embedded database at ${dataDir} refused a malformed protocol message: ${m.message}`);
      }
    });
    w.on('error', (e) => crashed(w, e.stack ?? e.message));
    w.on('exit', (code) => crashed(w, `the PGlite worker exited with code ${code}`));
  };

  /** The first sign of a crash of the current worker starts one recovery; later signs of the same crash are no-ops. */
  const crashed = (w: Worker, cause: string): void => {
    if (w !== worker || state !== 'up' || stopping) return;
    state = 'restarting';
    crashes++;
    lastCrash = cause;
    if (Date.now() - upSince >= STABLE_AFTER_MS) consecutive = 0;
    logger?.error(`Embedded database at ${dataDir} crashed; restarting it. Cause: ${cause}`);
    recovering = recover(w);
  };

  const recover = async (dead: Worker): Promise<void> => {
    worker = undefined;
    forget(dead);
    dead.on('error', () => undefined);
    await dead.terminate();
    for (;;) {
      if (stopping) return;
      consecutive++;
      if (consecutive > maxRestarts) {
        state = 'failed';
        const error = new Error(
          `Embedded database at ${dataDir} crashed and ${maxRestarts} restarts in a row failed; last cause: ${lastCrash}`,
        );
        logger?.error(error.message);
        options.onUnrecoverable?.(error);
        return;
      }
      const delay = Math.min(restartDelayMs * 2 ** (consecutive - 1), MAX_RESTART_DELAY_MS);
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (stopping) return;
      try {
        const next = await launch({ dataDir, listen, settings });
        worker = next.worker;
        if (stopping) return;
        watch(next.worker);
        state = 'up';
        upSince = Date.now();
        pingSent = undefined;
        restarts++;
        logger?.log(`Embedded database at ${dataDir} restarted (attempt ${consecutive} of ${maxRestarts})`);
        return;
      } catch (e) {
        lastCrash = (e as Error).message;
        logger?.warn(`Embedded database at ${dataDir} did not restart: ${lastCrash}`);
      }
    }
  };

  watch(started.worker);

  const watchdogMs = options.watchdogMs;
  const watchdog =
    watchdogMs === undefined
      ? undefined
      : setInterval(
          () => {
            const current = worker;
            if (state !== 'up' || !current) return;
            if (pingSent === undefined) {
              pingSent = Date.now();
              current.postMessage('ping');
            } else if (Date.now() - pingSent >= watchdogMs) {
              crashed(current, `the PGlite worker did not answer for ${Date.now() - pingSent} ms (stuck)`);
            }
          },
          Math.max(50, Math.floor(watchdogMs / 4)),
        );
  watchdog?.unref();

  const stop = async (): Promise<void> => {
    clearInterval(watchdog);
    await recovering;
    const current = worker;
    state = 'stopped';
    if (!current) {
      // Crashed and not restarted (given up, or stopped meanwhile): recover() ended the last worker already.
      cleanup();
      return;
    }
    forget(current);
    // A crash while stopping surfaces as the outcome below; keep it from becoming an unhandled 'error' event.
    let crash: Error | undefined;
    current.on('error', (e) => (crash = e));
    const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    const stopped = new Promise<PgliteWorkerMessage>((resolve) =>
      current.on('message', (m: PgliteWorkerMessage) => {
        if (m.type === 'stopped' || m.type === 'failed') resolve(m);
      }),
    );
    current.postMessage('stop');
    const outcome = await Promise.race([
      stopped,
      exited.then(() => undefined),
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS).unref()),
    ]);
    if (outcome === 'timeout') await current.terminate();
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
    state: () => state,
    stats: () => ({ crashes, restarts, lastCrash, refused }),
    stop: () => (stopping ??= stop()),
  };
}

/** Spawns a worker and waits for it to serve; a worker that fails to start is ended. */
async function launch(data: PgliteWorkerData): Promise<{ worker: Worker; address: string }> {
  const worker = spawnWorker(data);
  try {
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`PGlite did not start within ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
      worker.once('message', (m: PgliteWorkerMessage) => {
        clearTimeout(timer);
        if (m.type === 'ready') resolve(m.address);
        else
          reject(new Error(m.type === 'failed' || m.type === 'crashed' ? m.message : `unexpected ${m.type}`));
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
    return { worker, address };
  } catch (e) {
    forget(worker);
    worker.on('error', () => undefined);
    await worker.terminate();
    throw e;
  }
}

/**
 * Drops our listeners. Never `removeAllListeners()` without an event name: it also removes Node's own listeners on
 * the Worker, after which no further message from the worker is delivered (a crash report would go unheard).
 */
function forget(worker: Worker): void {
  for (const event of ['message', 'error', 'exit'] as const) worker.removeAllListeners(event);
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
