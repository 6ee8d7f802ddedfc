// Runs in a worker thread (see pglite-host.ts): PGlite executes queries synchronously in WebAssembly, so hosting
// it here keeps the main event loop free, and PGlite's own dynamic imports work even when the caller runs inside
// Jest's module sandbox. Clients reach it through pglite-socket's PostgreSQL wire server.
import { rmSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { PgliteWorkerData, PgliteWorkerMessage } from './pglite-host';

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('pglite-worker must run in a worker thread');
  const send = (m: PgliteWorkerMessage): void => port.postMessage(m);
  const { dataDir, listen } = workerData as PgliteWorkerData;
  let db: PGlite | undefined;
  let server: PGLiteSocketServer;
  try {
    db = await PGlite.create({ dataDir });
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

/** Emscripten's `ExitStatus` (what an exited backend throws) is no Error but has a name and a message. */
function describe(e: unknown): string {
  const { name, message } = (typeof e === 'object' && e !== null ? e : {}) as {
    name?: unknown;
    message?: unknown;
  };
  if (typeof message === 'string') return typeof name === 'string' ? `${name}: ${message}` : message;
  return String(e);
}

void main();
