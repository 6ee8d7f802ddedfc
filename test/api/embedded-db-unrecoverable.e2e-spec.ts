import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { copyPgliteTemplate, OPEN_CATALOG_TIMEOUT_MS } from '../support/catalog-db';
import { DEMO_MODEL_DIR } from '../support/indexing-app';
import { freePort } from '../support/own-redis';
import { crashPglite } from '../support/pglite-crash';

const ROOT = resolve(__dirname, '../..');

/**
 * The real API process in embedded mode, when PGlite crashes and cannot be restarted (its folder no longer opens):
 * after the bounded restarts it exits 1, releasing its lock, so a supervisor can restart it; until then /readyz
 * answers 503 at once instead of hanging.
 */
describe('embedded database that cannot be repaired', () => {
  let dir: string;
  let child: ChildProcess | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vitrine-unrecoverable-'));
  });
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'logs the crash, reports unready, and exits 1 with its lock released after the restarts fail',
    async () => {
      const dataDir = join(dir, 'data');
      const pgliteDir = join(dataDir, 'pglite');
      // The socket folder is made under TMPDIR: a folder of this test's own, so it can be found.
      const socketRoot = join(dir, 'tmp');
      await copyPgliteTemplate(pgliteDir);
      mkdirSync(socketRoot);
      const port = await freePort();
      const api = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/api/src/main.ts'], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          TMPDIR: socketRoot,
          DATA_DIR: dataDir,
          MODEL_DIR: DEMO_MODEL_DIR,
          SEED_DEMO_CATALOG: 'false',
          HOST: '127.0.0.1',
          PORT: String(port),
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = api;
      let out = '';
      api.stdout.on('data', (d: Buffer) => (out += d.toString()));
      api.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((res) => api.once('exit', (code) => res(code)));
      await new Promise<void>((res, rej) => {
        const timer = setInterval(() => {
          if (/listening on http/.test(out)) {
            clearInterval(timer);
            res();
          }
        }, 100);
        void exited.then((code) => {
          clearInterval(timer);
          rej(new Error(`api exited with ${code}: ${out}`));
        });
      });
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

      // A folder PGlite can no longer open (as after damage on disk), then a crash of the running instance.
      writeFileSync(join(pgliteDir, 'PG_VERSION'), 'not a version\n');
      const socketDir = readdirSync(socketRoot).find((name) => name.startsWith('vitrine-pg-'));
      if (!socketDir) throw new Error(`no PGlite socket folder under ${socketRoot}`);
      await crashPglite({ host: join(socketRoot, socketDir), port: 5432 });

      const started = Date.now();
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(10_000) });
      expect(ready.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(5000);

      expect(await exited).toBe(1);
      expect(out).toContain('crashed; restarting it. Cause: ExitStatus: Program terminated with exit(1)');
      expect(out).toContain('did not restart');
      expect(out).toContain('5 restarts in a row failed');
      expect(out).toContain('exiting so that the supervisor restarts Vitrine');
      expect(existsSync(`${pgliteDir}.lock`)).toBe(false);
    },
    OPEN_CATALOG_TIMEOUT_MS,
  );
});
