// Runs in a worker thread (see pglite-host.ts): PGlite executes queries synchronously in WebAssembly, so hosting
// it here keeps the main event loop free, and PGlite's own dynamic imports work even when the caller runs inside
// Jest's module sandbox. Clients reach it through pglite-socket's PostgreSQL wire server.
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
    // One client connection at a time: the catalog's pool has size 1. The second slot only absorbs a reconnect
    // that arrives before the server has processed the close of the previous socket.
    server = new PGLiteSocketServer({ db, ...listen, maxConnections: 2 });
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

void main();
