// Runs in a worker thread (see pglite-host.ts): PGlite executes queries synchronously in WebAssembly, so hosting
// it here keeps the main event loop free, and PGlite's own dynamic imports work even when the caller runs inside
// Jest's module sandbox. Clients reach it through pglite-socket's PostgreSQL wire server.
import { fork } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { PgliteWorkerData, PgliteWorkerMessage } from './pglite-host';

/**
 * Creates a new database folder in a short-lived child process. PGlite's first start runs initdb in a second
 * Postgres instance and copies the folder over as a tarball; once freed, that memory stays in this thread's malloc
 * arenas for the life of the process (PGlite alone on a worker thread: 300 MiB idle after creating its folder there,
 * 185 after opening an existing one; docs/benchmarks.md#memory-issue-16). A process that exits returns all of it.
 */
async function initialiseInChildProcess(dataDir: string): Promise<void> {
  const child = fork(__filename, [INIT_FLAG, dataDir], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr
    ?.setEncoding('utf8')
    .on('data', (chunk: string) => void (stderr = (stderr + chunk).slice(-2000)));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
  if (code !== 0) throw new Error(`initdb failed (exit code ${code}): ${stderr.trim() || 'no output'}`);
}

const INIT_FLAG = '--vitrine-pglite-initdb';

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('pglite-worker must run in a worker thread');
  const send = (m: PgliteWorkerMessage): void => port.postMessage(m);
  const { dataDir, listen, settings } = workerData as PgliteWorkerData;
  let db: PGlite | undefined;
  let server: PGLiteSocketServer;
  try {
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await initialiseInChildProcess(dataDir);
    const startParams = [...PGlite.defaultStartParams, ...settings.flatMap((setting) => ['-c', setting])];
    db = await PGlite.create({ dataDir, startParams });
    reportFaults(db, send);
    // One client connection at a time: the catalog's pool has size 1. The second slot only absorbs a reconnect
    // that arrives before the server has processed the close of the previous socket.
    server = new PGLiteSocketServer({ db, ...listen, maxConnections: 2 });
    // A crashed worker that was ended leaves its socket file behind (listening on it would fail with EADDRINUSE).
    // Removed only now, once PGlite is open: until here, clients find the stale file and are refused at once.
    if ('path' in listen) rmSync(listen.path, { force: true });
    await server.start();
    send({ type: 'ready', address: server.getServerConn() });
  } catch (e) {
    send({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
    await db?.close().catch(() => undefined);
    port.close();
    return;
  }
  const openDb = db;
  port.on('message', (m: unknown) => {
    // The host's watchdog: answered only while this thread is free (PGlite runs statements synchronously on it).
    if (m === 'ping') send({ type: 'pong' });
    if (m !== 'stop') return;
    void (async () => {
      try {
        await server.stop();
        await openDb.close();
        send({ type: 'stopped' });
      } catch (e) {
        send({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
      } finally {
        port.close();
      }
    })();
  });
}

/**
 * Reports the first protocol message PGlite could not run to the host, which ends this worker and starts a new one.
 *
 * A database error (a bad query, a constraint) is an ErrorResponse on the wire and never rejects here; a rejection
 * is PGlite itself failing: its WebAssembly backend exited (a malformed startup packet makes it `exit(1)`), a write
 * under it threw, it was closed. pglite-socket (0.2.x) then keeps its query queue marked busy forever
 * (`QueryQueueManager.processQueue` returns without resetting `processing`), so every later connection would hang;
 * and a backend that exited cannot serve anything again in this instance. Only a fresh PGlite can, so report it.
 */
function reportFaults(db: PGlite, send: (m: PgliteWorkerMessage) => void): void {
  const run = db.execProtocolRawStream.bind(db);
  let reported = false;
  db.execProtocolRawStream = async (...args: Parameters<PGlite['execProtocolRawStream']>) => {
    const [message, options] = args;
    if (message.length === 0) {
      // pglite-socket cuts an empty message out of a negative length field and then loops on the same bytes
      // forever, queueing empty messages (memory grows until the process dies). Rejecting is the only way to end
      // that loop (pglite-socket then closes the connection), and it leaves its queue locked: restart PGlite.
      if (!reported) {
        reported = true;
        send({ type: 'crashed', message: 'a protocol message with a negative length', stack: undefined });
      }
      throw new Error('invalid message length');
    }
    const problem = framingProblem(message);
    if (problem) {
      // Never handed to PGlite: it spins on such a message, its memory growing by ~100 MB/s until the process
      // dies. The sender gets the FATAL a PostgreSQL server sends, and PGlite stays as it was.
      send({ type: 'refused', message: problem });
      options.onRawData(fatalProtocolViolation(problem));
      return;
    }
    try {
      return await run(...args);
    } catch (e) {
      if (!reported) {
        reported = true;
        send({ type: 'crashed', message: describe(e), stack: e instanceof Error ? e.stack : undefined });
      }
      throw e;
    }
  };
}

/** Frontend message types of protocol 3.0 (after the startup packet). */
const FRONTEND_TYPES = new Set([...'BCdcfDEHFpPQSX'].map((c) => c.charCodeAt(0)));

/**
 * What is wrong with the framing of one message as pglite-socket cut it, or undefined. pglite-socket trusts the
 * length field: a negative one yields a message shorter than it says, and a byte that is no message type reaches
 * PGlite as one; PGlite loops forever on either.
 */
export function framingProblem(message: Uint8Array): string | undefined {
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  if (message.length >= 8 && message[0] === 0) {
    // A startup packet: its length counts itself.
    return view.getInt32(0) === message.length ? undefined : 'invalid startup packet length';
  }
  if (message.length < 5) return 'invalid message length';
  if (!FRONTEND_TYPES.has(message[0]!)) return `invalid frontend message type ${message[0]}`;
  return view.getInt32(1) === message.length - 1 ? undefined : 'invalid message length';
}

/** An ErrorResponse: FATAL, 08P01 protocol_violation, as PostgreSQL answers a malformed message. */
function fatalProtocolViolation(text: string): Uint8Array {
  const fields = ['SFATAL', 'VFATAL', 'C08P01', `M${text}`].map((f) => Buffer.from(`${f}\0`, 'utf8'));
  const body = Buffer.concat([...fields, Buffer.from([0])]);
  const head = Buffer.alloc(5);
  head.write('E', 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return new Uint8Array(Buffer.concat([head, body]));
}

/** Emscripten's `ExitStatus` (what an exited backend throws) is no Error but has a name and a message. */
function describe(e: unknown): string {
  const { name, message } = (typeof e === 'object' && e !== null ? e : {}) as {
    name?: unknown;
    message?: unknown;
  };
  if (typeof message === 'string') return typeof name === 'string' ? `${name}: ${message}` : message;
  return String(e);
}

if (isMainThread && process.argv[2] === INIT_FLAG) {
  // The child process of initialiseInChildProcess: create the folder, close it, exit.
  void PGlite.create({ dataDir: process.argv[3]! })
    .then((db) => db.close())
    .then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(describe(e));
        process.exit(1);
      },
    );
} else {
  void main();
}
