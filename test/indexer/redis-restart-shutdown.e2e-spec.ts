import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { DEMO_MODEL_DIR } from '../support/indexing-app';
import { freePort, OwnRedis } from '../support/own-redis';

const ROOT = resolve(__dirname, '../..');

describe('indexer process stopped just as Redis comes back', () => {
  let db: TestDatabase;
  let redis: OwnRedis;
  let dataDir: string;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    db = await createTestDatabase('shutdown');
    redis = new OwnRedis(await freePort());
    dataDir = mkdtempSync(join(tmpdir(), 'vitrine-shutdown-'));
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    redis?.cleanup();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exits on SIGTERM within about the job lock duration (it used to hang)', async () => {
    redis.start();
    const worker = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/indexer/src/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: db.url,
        REDIS_URL: redis.url,
        DATA_DIR: dataDir,
        MODEL_DIR: DEMO_MODEL_DIR,
        INDEXER_LOCK_MS: '2000',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = worker;
    let out = '';
    worker.stdout.on('data', (d: Buffer) => (out += d.toString()));
    worker.stderr.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; !/indexing with model/.test(out); i++) {
      if (worker.exitCode !== null || i > 600) throw new Error(`the indexer did not start: ${out}`);
      await sleep(100);
    }

    redis.stop();
    await sleep(2500); // its connections are reconnecting now
    redis.start();
    const exited = new Promise<number | null>((r) => worker.once('exit', (code) => r(code)));
    const started = Date.now();
    worker.kill('SIGTERM');
    const code = await Promise.race([exited, sleep(20_000).then(() => 'still running' as const)]);
    expect(code).not.toBe('still running');
    expect(Date.now() - started).toBeLessThan(12_000);
  }, 90_000);
});
