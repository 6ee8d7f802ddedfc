import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { copyPgliteTemplate, OPEN_CATALOG_TIMEOUT_MS } from '../../../../test/support/catalog-db';
import { crashPglite } from '../../../../test/support/pglite-crash';
import { startPglite, type PgliteHost, type PgliteLogger } from './pglite-host';

const client = (host: PgliteHost) =>
  new Client({
    host: host.connection.host,
    port: host.connection.port,
    user: 'postgres',
    database: 'postgres',
    connectionTimeoutMillis: 5000,
  });

/** Runs `sql` on a new connection; how long it took and what came back (rows or the error message). */
async function attempt(
  host: PgliteHost,
  sql: string,
): Promise<{ ms: number; rows?: unknown[]; error?: string }> {
  const started = Date.now();
  const c = client(host);
  c.on('error', () => undefined);
  try {
    await c.connect();
    const { rows } = await c.query(sql);
    return { ms: Date.now() - started, rows };
  } catch (e) {
    return { ms: Date.now() - started, error: (e as Error).message };
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('startPglite when PGlite itself fails', () => {
  let root: string;
  let dataDir: string;
  const logged: string[] = [];
  const logger: PgliteLogger = {
    log: (m) => logged.push(`log: ${m}`),
    warn: (m) => logged.push(`warn: ${m}`),
    error: (m) => logged.push(`error: ${m}`),
  };

  beforeEach(async () => {
    logged.length = 0;
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrine-pglite-crash-'));
    dataDir = path.join(root, 'data');
    await copyPgliteTemplate(dataDir);
  }, OPEN_CATALOG_TIMEOUT_MS);
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it(
    'logs the cause, fails connections fast while down, restarts on the same folder and keeps committed rows',
    async () => {
      const host = await startPglite(dataDir, { logger, restartDelayMs: 500 });
      try {
        const writer = client(host);
        await writer.connect();
        await writer.query('CREATE TABLE kept (n int)');
        await writer.query('INSERT INTO kept VALUES (1), (2)');
        writer.on('error', () => undefined);

        await crashPglite(host.connection);
        // A connection that was open when PGlite failed is closed, so its next query fails instead of waiting.
        const started = Date.now();
        await expect(writer.query('SELECT 1')).rejects.toThrow(
          /Connection terminated|not queryable|EPIPE|ECONNRESET/,
        );
        expect(Date.now() - started).toBeLessThan(3000);
        await writer.end().catch(() => undefined);

        expect(host.state()).toBe('restarting');
        // While it restarts a new connection is refused at once (before: it hung forever).
        const down = await attempt(host, 'SELECT 1');
        expect(down.error).toBeDefined();
        expect(down.ms).toBeLessThan(3000);
        expect(logged.find((m) => m.startsWith('error: '))).toContain('Program terminated with exit(1)');

        await until(() => host.state() === 'up', 60_000);
        expect(host.stats()).toMatchObject({ crashes: 1, restarts: 1 });
        expect(await attempt(host, 'SELECT n FROM kept ORDER BY n')).toMatchObject({
          rows: [{ n: 1 }, { n: 2 }],
        });
        expect(logged).toContainEqual(expect.stringMatching(/^log: .* restarted/));
      } finally {
        await host.stop();
      }
      expect(fs.existsSync(`${dataDir}.lock`)).toBe(false);
    },
    OPEN_CATALOG_TIMEOUT_MS,
  );

  it(
    'answers a malformed protocol message with a FATAL and never hands it to PGlite (which would spin, eating memory)',
    async () => {
      const host = await startPglite(dataDir, { logger });
      try {
        const params = Buffer.from('user\0postgres\0database\0postgres\0\0', 'latin1');
        const startup = Buffer.alloc(8 + params.length);
        startup.writeInt32BE(startup.length, 0);
        startup.writeInt32BE(196608, 4);
        params.copy(startup, 8);
        for (const bad of [
          Buffer.from([0x01, 0, 0, 0, 4]), // no such message type
          Buffer.from([0x51, 0, 0, 0, 2, 0x41, 0x42]), // a Query whose length is too short to be one
          Buffer.from([0x51, 0xff, 0xff, 0xff, 0xf8, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48]), // -8
        ]) {
          const answer = await new Promise<string>((resolve, reject) => {
            let got = '';
            const socket = net.connect(path.join(host.connection.host, `.s.PGSQL.${host.connection.port}`));
            socket.on('connect', () => {
              socket.write(startup);
              // After the startup answer (ReadyForQuery), the malformed message.
              socket.once('data', () => socket.write(bad));
            });
            socket.on('data', (d: Buffer) => {
              got += d.toString('latin1');
              if (got.includes('08P01')) {
                socket.destroy();
                resolve(got);
              }
            });
            socket.on('error', reject);
          });
          expect(answer).toMatch(/SFATAL.*C08P01.*Minvalid/);
          // PGlite is unharmed: another connection is served at once.
          const next = await attempt(host, 'SELECT 1 AS one');
          expect(next).toMatchObject({ rows: [{ one: 1 }] });
          expect(next.ms).toBeLessThan(3000);
        }
        expect(host.stats()).toMatchObject({ crashes: 0, refused: 3 });
        expect(logged.filter((m) => m.startsWith('warn: ') && m.includes('malformed'))).toHaveLength(3);
      } finally {
        await host.stop();
      }
    },
    OPEN_CATALOG_TIMEOUT_MS,
  );

  it(
    'a length so negative that pglite-socket would loop on it forever (memory growing) ends in a restart instead',
    async () => {
      const host = await startPglite(dataDir, { logger, restartDelayMs: 100 });
      try {
        const bad = Buffer.from([
          0x51, 0xff, 0xff, 0xff, 0xf0, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
        ]);
        await new Promise<void>((resolve, reject) => {
          const socket = net.connect(path.join(host.connection.host, `.s.PGSQL.${host.connection.port}`));
          socket.on('connect', () => socket.write(bad));
          socket.on('data', () => undefined);
          socket.on('error', reject);
          socket.on('close', () => resolve());
        });
        await until(() => host.state() === 'up' && host.stats().restarts === 1, 30_000);
        expect(host.stats()).toMatchObject({
          crashes: 1,
          lastCrash: 'a protocol message with a negative length',
        });
        expect(await attempt(host, 'SELECT 1 AS one')).toMatchObject({ rows: [{ one: 1 }] });
      } finally {
        await host.stop();
      }
    },
    OPEN_CATALOG_TIMEOUT_MS,
  );

  it(
    'gives up after maxRestarts in a row, reports it once and still refuses connections fast',
    async () => {
      const reasons: Error[] = [];
      const host = await startPglite(dataDir, {
        logger,
        maxRestarts: 0,
        onUnrecoverable: (e) => reasons.push(e),
      });
      try {
        await crashPglite(host.connection);
        await until(() => host.state() === 'failed', 10_000);
        expect(reasons).toHaveLength(1);
        expect(reasons[0]?.message).toContain('Program terminated with exit(1)');
        const down = await attempt(host, 'SELECT 1');
        expect(down.error).toMatch(/ECONNREFUSED|ENOENT/);
        expect(down.ms).toBeLessThan(3000);
      } finally {
        await host.stop();
      }
      expect(fs.existsSync(`${dataDir}.lock`)).toBe(false);
    },
    OPEN_CATALOG_TIMEOUT_MS,
  );
});

describe('startPglite on a new folder', () => {
  it('creates the database and runs it with the embedded memory settings', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrine-pglite-new-'));
    const dataDir = path.join(root, 'data');
    const host = await startPglite(dataDir);
    try {
      expect(fs.existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);
      const shared = await attempt(host, 'SHOW shared_buffers');
      const maintenance = await attempt(host, 'SHOW maintenance_work_mem');
      expect([shared.rows, maintenance.rows]).toEqual([
        [{ shared_buffers: '16MB' }],
        [{ maintenance_work_mem: '16MB' }],
      ]);
    } finally {
      await host.stop();
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 180_000);
});
