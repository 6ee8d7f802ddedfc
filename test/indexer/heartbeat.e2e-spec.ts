import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { DEMO_MODEL_DIR } from '../support/indexing-app';
import { TEST_REDIS_URL } from '../support/services';

const ROOT = resolve(__dirname, '../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The indexer's liveness signal, as the container health check sees it: the real indexer process on PostgreSQL and
 * Redis refreshes its heartbeat file; frozen, it stops; stopped, the file is gone. The check is the real script.
 */
describe('indexer heartbeat and health check', () => {
  let db: TestDatabase;
  let dir: string;
  let child: ChildProcess | undefined;
  const prefix = `vitrine-heartbeat-${randomUUID()}`;
  const env = () => ({
    PATH: process.env.PATH,
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    DATA_DIR: dir,
    MODEL_DIR: DEMO_MODEL_DIR,
    INDEXER_HEARTBEAT_FILE: join(dir, 'indexer.heartbeat'),
    LOG_LEVEL: 'info',
  });
  const healthcheck = (...args: string[]) =>
    spawnSync(process.execPath, ['-r', '@swc-node/register', 'apps/indexer/src/healthcheck.ts', ...args], {
      cwd: ROOT,
      env: env(),
      encoding: 'utf8',
    });

  beforeAll(async () => {
    db = await createTestDatabase('heartbeat');
    dir = mkdtempSync(join(tmpdir(), 'vitrine-heartbeat-'));
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    const redis = new Redis(TEST_REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('beats while the worker runs, goes stale when the process freezes, and is removed on shutdown', async () => {
    const file = join(dir, 'indexer.heartbeat');
    // Before the indexer starts, the check fails.
    expect(healthcheck().status).toBe(1);

    const worker = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/indexer/src/main.ts'], {
      cwd: ROOT,
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = worker;
    let err = '';
    worker.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((res, rej) => {
      let out = '';
      worker.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (/indexing with model/.test(out)) res();
      });
      worker.once('exit', (code) => rej(new Error(`indexer exited with ${code}: ${err}`)));
    });
    for (let i = 0; i < 50 && !existsSync(file); i++) await sleep(100);

    const check = healthcheck();
    expect({ status: check.status, stderr: check.stderr }).toEqual({ status: 0, stderr: '' });
    const first = statSync(file).mtimeMs;
    await sleep(6_000);
    expect(statSync(file).mtimeMs).toBeGreaterThan(first);

    // Frozen (as a wedged event loop would be): no more beats, and the check fails once the file is old enough.
    worker.kill('SIGSTOP');
    await sleep(500);
    const frozen = statSync(file).mtimeMs;
    await sleep(6_000);
    expect(statSync(file).mtimeMs).toBe(frozen);
    const stale = healthcheck('--max-age-s', '5');
    expect(stale.status).toBe(1);
    expect(stale.stderr).toMatch(/unhealthy: the last heartbeat is \d+ s old/);

    worker.kill('SIGCONT');
    const exited = new Promise((r) => worker.once('exit', r));
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(file)).toBe(false);
    expect(healthcheck().stderr).toMatch(/no heartbeat file/);
  }, 120_000);
});
