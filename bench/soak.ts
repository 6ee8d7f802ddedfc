// npm run soak [-- --duration 600 --clients 16 --grace 5 --drain 240 --logs DIR --pg-bin /usr/lib/postgresql/15/bin]
// The full stack under load with faults injected, then a comparison of what clients were told with what the
// catalog and the vector store hold. Starts everything itself, on loopback only, in one temporary directory:
// its own PostgreSQL 15 cluster (initdb, run as the postgres user), its own redis-server (no persistence), the
// Qdrant stand-in (libs/vectors/src/testing/qdrant-standin.ts: no Qdrant server can run here), an https server
// for product pictures (self-signed certificate, trusted by the indexer through NODE_EXTRA_CA_CERTS), the built
// API (dist/, seeding the 482-product demo catalog) and a separate indexer process. Once the demo catalog is
// indexed, N clients mix text searches, image searches, admin upserts and deletes for the duration while it
// restarts PostgreSQL (pg_ctl restart -m fast), restarts Redis (SHUTDOWN NOSAVE: every queued job is gone) and
// kill -9s the indexer (started again at once), in turn, on a schedule. A write that gets no 2xx is retried (a
// real client would) for up to 30 s; only acknowledged writes are checked. At the end it waits (bounded) for
// the indexer to catch up and checks that every acknowledged upsert is in the catalog with its last
// acknowledged content and has vectors for its current content hash, and every acknowledged delete is gone from
// both. Prints requests, errors by status, 5xx (or no answer) inside and outside the fault windows, and the lost
// writes with their SKUs; exits 1 when a write was lost or a request failed outside a fault window.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  writeFileSync,
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  type WriteStream,
} from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { DomainError } from '@vitrine/core';
import { PRODUCTS_ALIAS, QdrantVectorStore } from '@vitrine/vectors';

const ROOT = resolve(__dirname, '..');
const args = process.argv.slice(2);
const PG_BIN = args.includes('--pg-bin') ? args[args.indexOf('--pg-bin') + 1]! : '/usr/lib/postgresql/15/bin';
/** PostgreSQL refuses to run as root: as root, its commands run as the postgres user; otherwise as we are. */
const AS_ROOT = process.getuid?.() === 0;
function pgCommand(tool: string, argv: readonly string[]): [string, string[]] {
  return AS_ROOT
    ? ['runuser', ['-u', 'postgres', '--', `${PG_BIN}/${tool}`, ...argv]]
    : [`${PG_BIN}/${tool}`, [...argv]];
}
const ADMIN_KEY = 'soak-admin-key-0123456789abcdefghijklmnopqrstuvwxyz';
function num(name: string, fallback: number, min: number, max: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(v) || v < min || v > max)
    throw new Error(`--${name} must be a number in ${min}..${max}`);
  return v;
}
const DURATION_S = num('duration', 600, 10, 3600);
const CLIENTS = num('clients', 16, 1, 64);
const GRACE_S = num('grace', 5, 0, 120);
const DRAIN_S = num('drain', 240, 10, 1800);
const INDEX_TIMEOUT_S = num('index-timeout', 900, 30, 3600);
const LOGS_DIR = args.includes('--logs') ? args[args.indexOf('--logs') + 1] : undefined;
/** Per request; a request that takes longer counts as unanswered. */
const REQUEST_TIMEOUT_MS = 30_000;
/** How long a client keeps retrying a write that got no 2xx. */
const WRITE_RETRY_MS = 30_000;
/** SKUs a client keeps alive at most: the catalog stays a few hundred products. */
const LIVE_PER_CLIENT = 25;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const elapsed = () => ((Date.now() - t0) / 1000).toFixed(0).padStart(4);
const log = (msg: string) => console.log(`[${elapsed()} s] ${msg}`);

// ---------------------------------------------------------------------------------------------------------------
// Processes and cleanup

const work = mkdtempSync(join(tmpdir(), 'vitrine-soak-'));
chmodSync(work, 0o755); // the postgres user must reach its data directory
const children = new Set<ChildProcess>();
const logs: WriteStream[] = [];
let pgData: string | undefined;
let cleaned = false;

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createNetServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => done(port));
    });
  });
}

function run(cmd: string, argv: readonly string[], what: string): string {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${what} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Runs a command without blocking the event loop (clients and the picture server live in this process). */
function runAsync(cmd: string, argv: readonly string[], what: string, timeoutMs = 120_000): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', fail);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) done();
      else fail(new Error(`${what} failed (${code ?? signal}): ${output.trim()}`));
    });
  });
}

function start(name: string, cmd: string, argv: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
  const out = createWriteStream(join(work, `${name}.log`), { flags: 'a' });
  logs.push(out);
  const child = spawn(cmd, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(out, { end: false });
  child.stderr.pipe(out, { end: false });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((done) => child.once('exit', () => done()));
}

async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', waitMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), waitMs);
  await exited(child);
  clearTimeout(timer);
}

async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  await Promise.all([...children].map((c) => stop(c)));
  if (pgData && existsSync(join(pgData, 'postmaster.pid')))
    spawnSync(...pgCommand('pg_ctl', ['-D', pgData, '-m', 'immediate', 'stop']), {
      timeout: 30_000,
    });
  await Promise.all(logs.map((l) => new Promise<void>((done) => l.end(() => done()))));
  if (LOGS_DIR) {
    mkdirSync(LOGS_DIR, { recursive: true });
    for (const f of readdirSync(work).filter((f) => f.endsWith('.log')))
      copyFileSync(join(work, f), join(LOGS_DIR, f));
  }
  rmSync(work, { recursive: true, force: true });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`\n${signal}: stopping every process and removing ${work}`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The stack

interface Stack {
  pgPort: number;
  redisPort: number;
  api: string;
  dbUrl: string;
  vectors: QdrantVectorStore;
  images: string;
  startRedis(): Promise<void>;
  startIndexer(): void;
  indexer(): ChildProcess;
  redis(): ChildProcess;
}

async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not ready within ${timeoutMs / 1000} s (logs in ${work})`);
    await sleep(250);
  }
}

/** pg_ctl as the postgres user. `-l` always: without it the server would hold our output pipe open. */
function pgCtl(...argv: string[]): Promise<void> {
  return runAsync(
    ...pgCommand('pg_ctl', ['-D', pgData!, '-l', join(work, 'postgres.log'), ...argv]),
    `pg_ctl ${argv.at(-1)}`,
  );
}

function redisPing(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(2000, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (c: Buffer) => {
      reply += c.toString();
      if (reply.includes('\r\n')) socket.end();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => done(reply.startsWith('+PONG')));
  });
}

async function startImageServer(): Promise<{ url: string; server: HttpsServer; caFile: string }> {
  const key = join(work, 'images-key.pem');
  const caFile = join(work, 'images-cert.pem');
  run(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      caFile,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    'openssl',
  );
  const dir = join(ROOT, 'data/demo-catalog/images');
  const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(caFile) }, (req, res) => {
    const name = decodeURIComponent((req.url ?? '').replace(/^\/images\//, ''));
    if (!/^[\w.-]+\.(png|jpe?g|webp)$/.test(name) || !existsSync(join(dir, name))) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': name.endsWith('.png') ? 'image/png' : 'image/jpeg' });
    res.end(readFileSync(join(dir, name)));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/images`, server, caFile };
}

async function startStack(): Promise<Stack> {
  const [pgPort, redisPort, qdrantPort, apiPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  pgData = join(work, 'pg');
  mkdirSync(pgData);
  const owner = (file: string) => {
    if (!AS_ROOT) return;
    const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout;
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout;
    chownSync(file, Number(uid), Number(gid));
  };
  owner(pgData);
  run(...pgCommand('initdb', ['-D', pgData, '-A', 'trust', '-U', 'postgres', '--no-sync']), 'initdb');
  const pgLog = join(work, 'postgres.log');
  writeFileSync(pgLog, '');
  owner(pgLog);
  await pgCtl(
    '-o',
    `-p ${pgPort} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`,
    '-w',
    'start',
  );
  const dbUrl = `postgres://postgres@127.0.0.1:${pgPort}/postgres`;
  log(`PostgreSQL 15 on 127.0.0.1:${pgPort} (${pgData})`);

  let redis: ChildProcess | undefined;
  const startRedis = async () => {
    redis = start(
      'redis',
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', work],
      process.env,
    );
    await until('redis', 30_000, () => redisPing(redisPort));
  };
  await startRedis();
  log(`Redis on 127.0.0.1:${redisPort} (no persistence)`);

  const standIn = start(
    'qdrant-standin',
    process.execPath,
    [
      join(ROOT, 'dist/libs/vectors/src/testing/qdrant-standin.main.js'),
      '--dir',
      join(work, 'qdrant'),
      '--port',
      String(qdrantPort),
      '--check-openapi',
    ],
    process.env,
  );
  const qdrantUrl = `http://127.0.0.1:${qdrantPort}`;
  const vectors = new QdrantVectorStore({ url: qdrantUrl, timeoutMs: 10_000 });
  await until('Qdrant stand-in', 30_000, async () => (await vectors.ping(), true));
  void exited(standIn).then(() => !cleaned && log('the Qdrant stand-in EXITED'));
  log(`Qdrant stand-in on ${qdrantUrl}`);

  const images = await startImageServer();
  log(`pictures on ${images.url}`);

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    DATA_DIR: join(work, 'data'),
    DATABASE_URL: dbUrl,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    QDRANT_URL: qdrantUrl,
    ADMIN_API_KEYS: ADMIN_KEY,
    RATE_LIMIT_PER_MINUTE: '0',
    SEED_DEMO_CATALOG: 'true',
    // Attribute extraction is follow-up work (seconds of CPU per product) that no write depends on: off, so two
    // shared cores go to the paths under test.
    ATTRIBUTE_EXTRACTION: 'false',
  };
  const api = start('api', process.execPath, [join(ROOT, 'dist/apps/api/src/main.js')], env);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  void exited(api).then(() => !cleaned && log('the API EXITED'));
  await until('API /readyz', 180_000, async () => (await fetch(`${apiUrl}/readyz`)).ok);
  log(`API on ${apiUrl}`);

  let indexer: ChildProcess | undefined;
  const startIndexer = () => {
    indexer = start('indexer', process.execPath, [join(ROOT, 'dist/apps/indexer/src/main.js')], {
      ...env,
      NODE_EXTRA_CA_CERTS: images.caFile,
      IMAGE_FETCH_ALLOW_PRIVATE: 'true',
      INDEXER_CONCURRENCY: '4',
    });
  };
  startIndexer();
  return {
    pgPort,
    redisPort,
    api: apiUrl,
    dbUrl,
    vectors,
    images: images.url,
    startRedis,
    startIndexer,
    indexer: () => indexer!,
    redis: () => redis!,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Catalog and vector store reads

async function withDb<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

interface CatalogRow {
  id: string;
  sku: string;
  title: string;
  price_amount: string | null;
  content_hash: string;
}

async function vectorHashes(stack: Stack, ids: readonly string[]): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (let i = 0; i < ids.length; i += 500) {
    let points;
    try {
      points = await stack.vectors.get(PRODUCTS_ALIAS, ids.slice(i, i + 500));
    } catch (e) {
      if (e instanceof DomainError && e.code === 'NOT_FOUND') return out; // no collection yet
      throw e;
    }
    for (const p of points) out.set(p.id, p.payload.contentHash);
  }
  return out;
}

/** Products whose vectors do not match their current content hash (never indexed, or stale). */
async function unindexed(stack: Stack): Promise<{ total: number; behind: number }> {
  const rows = await withDb(
    stack.dbUrl,
    async (c) => (await c.query<CatalogRow>('SELECT id, content_hash FROM products')).rows,
  );
  const hashes = await vectorHashes(
    stack,
    rows.map((r) => r.id),
  );
  return { total: rows.length, behind: rows.filter((r) => hashes.get(r.id) !== r.content_hash).length };
}

// ---------------------------------------------------------------------------------------------------------------
// Workload

interface Outcome {
  readonly start: number;
  readonly end: number;
  /** HTTP status, or `timeout` / a network error code when no answer came. */
  readonly status: number | string;
  readonly kind: string;
}
const outcomes: Outcome[] = [];

async function call(
  kind: string,
  url: string,
  init: RequestInit,
): Promise<{ status: number | string; body: unknown }> {
  const start = Date.now();
  let status: number | string;
  let body: unknown;
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    status = res.status;
    const text = await res.text();
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  } catch (e) {
    const err = e as { name?: string; cause?: { code?: string } };
    status = err.name === 'TimeoutError' ? 'timeout' : (err.cause?.code ?? err.name ?? 'error');
  }
  outcomes.push({ start, end: Date.now(), status, kind });
  return { status, body };
}

/** What a client was last told about one of its SKUs. */
interface Acked {
  sku: string;
  id?: string;
  title?: string;
  price?: number;
  deleted: boolean;
  /** A write whose outcome is unknown (never acknowledged within the retry time): either state is accepted. */
  uncertain?: { title: string; price: number } | 'delete';
}
const ledger = new Map<string, Acked>();
let writesAcked = 0;

const queries = readFileSync(join(ROOT, 'data/demo-catalog/queries.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .flatMap((l) => {
    const q = JSON.parse(l) as { text?: string };
    return q.text ? [q.text] : [];
  });
const pictureNames = readdirSync(join(ROOT, 'data/demo-catalog/images'))
  .filter((f) => f.endsWith('.png'))
  .sort();
const pictures = pictureNames
  .slice(0, 24)
  .map((f) => readFileSync(join(ROOT, 'data/demo-catalog/images', f)));

function pick<T>(xs: readonly T[]): T {
  return xs[Math.floor(Math.random() * xs.length)]!;
}

const isAck = (s: number | string) => typeof s === 'number' && s >= 200 && s < 300;

/** Sends a write until it is acknowledged (a real client retries), for at most WRITE_RETRY_MS. */
async function write(
  kind: string,
  send: () => Promise<{ status: number | string; body: unknown }>,
): Promise<{ status: number | string; body: unknown } | undefined> {
  const until = Date.now() + WRITE_RETRY_MS;
  for (let delay = 250; ; delay = Math.min(delay * 2, 2000)) {
    const r = await send();
    if (
      isAck(r.status) ||
      (typeof r.status === 'number' &&
        r.status >= 400 &&
        r.status < 500 &&
        r.status !== 429 &&
        r.status !== 408)
    )
      return r;
    if (Date.now() + delay > until) return undefined;
    await sleep(delay);
  }
}

async function upsert(stack: Stack, client: number, seq: number, live: Acked[]): Promise<void> {
  const existing =
    live.length >= LIVE_PER_CLIENT || (live.length > 0 && Math.random() < 0.6) ? pick(live) : undefined;
  const sku = existing?.sku ?? `SOAK-${client}-${seq}`;
  const title = `Soak ${sku} v${seq}`;
  const price = Math.round(100 + Math.random() * 10_000) / 100;
  const body = JSON.stringify({
    sku,
    title,
    description: `A product written by soak client ${client}.`,
    brand: 'Soak',
    category: 'Soak',
    price: { amount: price.toFixed(2), currency: 'EUR' },
    inStock: true,
    images: [`${stack.images}/${pick(pictureNames)}`],
  });
  const entry = existing ?? { sku, deleted: false };
  if (!existing) {
    ledger.set(sku, entry);
    live.push(entry);
  }
  const r = await write('upsert', () =>
    call('upsert', `${stack.api}/v1/admin/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': ADMIN_KEY },
      body,
    }),
  );
  if (r && isAck(r.status)) {
    const { id } = r.body as { id: string };
    Object.assign(entry, { id, title, price, deleted: false, uncertain: undefined });
    writesAcked++;
  } else if (!r) {
    entry.uncertain = { title, price };
  } else {
    log(`upsert ${sku} refused with ${r.status}: ${JSON.stringify(r.body).slice(0, 200)}`);
  }
}

async function remove(stack: Stack, live: Acked[]): Promise<void> {
  const entry = live.find((e) => e.id && !e.uncertain);
  if (!entry) return;
  live.splice(live.indexOf(entry), 1);
  let attempts = 0;
  const r = await write('delete', () => {
    attempts++;
    return call('delete', `${stack.api}/v1/admin/products/${entry.id}`, {
      method: 'DELETE',
      headers: { 'x-api-key': ADMIN_KEY },
    });
  });
  // A retried delete whose first attempt went through answers 404: that is an acknowledgement too.
  if (r && (isAck(r.status) || (r.status === 404 && attempts > 1))) {
    entry.deleted = true;
    writesAcked++;
  } else if (!r) {
    entry.uncertain = 'delete';
  } else {
    log(`delete ${entry.sku} refused with ${r.status}: ${JSON.stringify(r.body).slice(0, 200)}`);
  }
}

async function client(stack: Stack, n: number, deadline: number): Promise<void> {
  const live: Acked[] = [];
  for (let seq = 0; Date.now() < deadline; seq++) {
    const dice = Math.random();
    if (dice < 0.5) {
      await call('text', `${stack.api}/v1/search/text`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: pick(queries), limit: 20 }),
      });
    } else if (dice < 0.65) {
      const form = new FormData();
      form.set('image', new Blob([pick(pictures)], { type: 'image/png' }), 'picture.png');
      form.set('limit', '12');
      await call('image', `${stack.api}/v1/search/image`, { method: 'POST', body: form });
    } else if (dice < 0.9) {
      await upsert(stack, n, seq, live);
    } else {
      await remove(stack, live);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Faults

interface Window {
  readonly fault: string;
  readonly start: number;
  end: number;
}
const windows: Window[] = [];

async function inject(stack: Stack, fault: string): Promise<void> {
  const w: Window = { fault, start: Date.now(), end: Number.POSITIVE_INFINITY };
  windows.push(w);
  log(`fault: ${fault}`);
  if (fault === 'restart PostgreSQL') {
    await pgCtl('-m', 'fast', '-w', '-t', '60', 'restart');
  } else if (fault === 'restart Redis') {
    const old = stack.redis();
    await runAsync(
      'redis-cli',
      ['-h', '127.0.0.1', '-p', String(stack.redisPort), 'shutdown', 'nosave'],
      'redis-cli shutdown',
      10_000,
    ).catch(() => undefined);
    // Gone either way: SHUTDOWN NOSAVE drops every key, and so would the kill if it hung.
    await Promise.race([exited(old), sleep(5000)]);
    await stop(old, 'SIGKILL', 0);
    await stack.startRedis();
  } else {
    const old = stack.indexer();
    old.kill('SIGKILL');
    await exited(old);
    stack.startIndexer();
  }
  w.end = Date.now();
  log(`fault over: ${fault} (${((w.end - w.start) / 1000).toFixed(1)} s)`);
}

function inWindow(o: Outcome): Window | undefined {
  return windows.find((w) => o.start <= w.end + GRACE_S * 1000 && o.end >= w.start);
}

// ---------------------------------------------------------------------------------------------------------------
// Verification

interface Lost {
  sku: string;
  id?: string;
  why: string;
}

async function verify(stack: Stack): Promise<Lost[]> {
  const entries = [...ledger.values()].filter((e) => e.id || e.uncertain);
  const rows = await withDb(
    stack.dbUrl,
    async (c) =>
      (
        await c.query<CatalogRow>(
          'SELECT id, sku, title, price_amount, content_hash FROM products WHERE sku = ANY($1)',
          [entries.map((e) => e.sku)],
        )
      ).rows,
  );
  const bySku = new Map(rows.map((r) => [r.sku, r]));
  const ids = [...new Set([...rows.map((r) => r.id), ...entries.flatMap((e) => (e.id ? [e.id] : []))])];
  const hashes = await vectorHashes(stack, ids);
  const lost: Lost[] = [];
  for (const e of entries) {
    const row = bySku.get(e.sku);
    const gone = !row && (!e.id || !hashes.has(e.id));
    if (e.deleted || e.uncertain === 'delete') {
      if (gone) continue;
      if (e.uncertain === 'delete' && row && hashes.get(row.id) === row.content_hash) continue;
      lost.push({
        sku: e.sku,
        id: e.id,
        why: row ? 'deleted, still in the catalog' : 'deleted, vectors still in the store',
      });
      continue;
    }
    if (!row) {
      if (e.id) lost.push({ sku: e.sku, id: e.id, why: 'acknowledged upsert missing from the catalog' });
      continue;
    }
    const accepted = [
      e.title !== undefined ? { title: e.title, price: e.price } : undefined,
      typeof e.uncertain === 'object' ? e.uncertain : undefined,
    ];
    const content = accepted.some((a) => a && a.title === row.title && Number(row.price_amount) === a.price);
    if (!content)
      lost.push({
        sku: e.sku,
        id: row.id,
        why: `catalog holds "${row.title}", not the last acknowledged content`,
      });
    else if (!hashes.has(row.id)) lost.push({ sku: e.sku, id: row.id, why: 'no vectors' });
    else if (hashes.get(row.id) !== row.content_hash)
      lost.push({ sku: e.sku, id: row.id, why: 'vectors of an older content hash' });
  }
  return lost;
}

// ---------------------------------------------------------------------------------------------------------------

function summary(): { outside: Outcome[]; inside: Outcome[] } {
  const failed = outcomes.filter((o) => typeof o.status === 'string' || o.status >= 500);
  const inside = failed.filter((o) => inWindow(o));
  return { inside, outside: failed.filter((o) => !inWindow(o)) };
}

function byStatus(list: readonly Outcome[]): string {
  const counts = new Map<string, number>();
  for (const o of list) counts.set(String(o.status), (counts.get(String(o.status)) ?? 0) + 1);
  return (
    [...counts]
      .sort()
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ') || 'none'
  );
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist/apps/api/src/main.js')))
    throw new Error('dist/ is missing: run `npm run build` first');
  console.log(
    `soak: ${DURATION_S} s, ${CLIENTS} clients, fault grace ${GRACE_S} s, drain up to ${DRAIN_S} s; work dir ${work}`,
  );
  const stack = await startStack();

  // The demo catalog must be indexed before the clock starts: searches then have something to find.
  const indexDeadline = Date.now() + INDEX_TIMEOUT_S * 1000;
  let lastReport = 0;
  for (;;) {
    const u = await unindexed(stack).catch(() => ({ total: 0, behind: -1 }));
    if (u.total > 0 && u.behind === 0) break;
    if (Date.now() > indexDeadline)
      throw new Error(`the demo catalog was not indexed within ${INDEX_TIMEOUT_S} s`);
    if (Date.now() - lastReport > 10_000) {
      log(`indexing the demo catalog: ${u.total - u.behind}/${u.total}`);
      lastReport = Date.now();
    }
    await sleep(1000);
  }
  log('demo catalog indexed; load starts');
  outcomes.length = 0;

  const loadStart = Date.now();
  const deadline = loadStart + DURATION_S * 1000;
  const faults = ['restart PostgreSQL', 'restart Redis', 'kill -9 the indexer'];
  const count = DURATION_S <= 120 ? 3 : Math.floor(DURATION_S / 60) - 1;
  const schedule = Array.from({ length: count }, (_, i) => ({
    at: loadStart + ((i + 1) * DURATION_S * 1000) / (count + 1),
    fault: faults[i % faults.length]!,
  }));
  const progress = setInterval(() => {
    const s = summary();
    log(
      `requests ${outcomes.length} (${byStatus(outcomes)}); writes acknowledged ${writesAcked}; ` +
        `5xx/no answer inside fault windows ${s.inside.length}, outside ${s.outside.length}`,
    );
  }, 10_000);
  const faultLoop = (async () => {
    for (const f of schedule) {
      await sleep(Math.max(0, f.at - Date.now()));
      if (Date.now() >= deadline) return;
      await inject(stack, f.fault).catch((e: unknown) => log(`fault ${f.fault} failed: ${String(e)}`));
    }
  })();
  await Promise.all([...Array.from({ length: CLIENTS }, (_, i) => client(stack, i, deadline)), faultLoop]);
  clearInterval(progress);
  log(`load over: ${outcomes.length} requests; waiting up to ${DRAIN_S} s for the indexer to catch up`);

  const drainDeadline = Date.now() + DRAIN_S * 1000;
  let lost = await verify(stack);
  for (let lastLog = Date.now(); lost.length > 0 && Date.now() < drainDeadline;) {
    await sleep(2000);
    lost = await verify(stack);
    if (Date.now() - lastLog >= 10_000) {
      log(`waiting for the indexer: ${lost.length} acknowledged writes not reflected yet`);
      lastLog = Date.now();
    }
  }
  const catalog = await unindexed(stack);

  const s = summary();
  const kinds = [...new Set(outcomes.map((o) => o.kind))].sort();
  console.log('\n=== soak result ===');
  console.log(
    `duration ${DURATION_S} s, ${CLIENTS} clients, faults: ${windows.map((w) => `${w.fault} at ${((w.start - loadStart) / 1000).toFixed(0)} s (${((w.end - w.start) / 1000).toFixed(1)} s)`).join('; ') || 'none'}`,
  );
  console.log(
    `requests: ${outcomes.length} (${kinds.map((k) => `${k} ${outcomes.filter((o) => o.kind === k).length}`).join(', ')})`,
  );
  console.log(`by status: ${byStatus(outcomes)}`);
  console.log(
    `5xx or no answer inside fault windows (+${GRACE_S} s): ${s.inside.length} (${byStatus(s.inside)})`,
  );
  console.log(`5xx or no answer OUTSIDE fault windows: ${s.outside.length} (${byStatus(s.outside)})`);
  for (const o of s.outside.slice(0, 10))
    console.log(`  ${o.kind} at ${((o.start - loadStart) / 1000).toFixed(1)} s -> ${o.status}`);
  const uncertain = [...ledger.values()].filter((e) => e.uncertain).length;
  console.log(
    `writes acknowledged: ${writesAcked} (SKUs written: ${ledger.size}; never acknowledged, either state accepted: ${uncertain})`,
  );
  console.log(`writes lost: ${lost.length}`);
  for (const l of lost.slice(0, 30)) console.log(`  ${l.sku} ${l.id ?? ''}: ${l.why}`);
  console.log(
    `catalog: ${catalog.total} products, ${catalog.behind} without vectors of their current content`,
  );
  const violations = readFileSync(join(work, 'qdrant-standin.log'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('openapi violation'));
  console.log(`Qdrant stand-in: ${violations.length} requests/responses outside Qdrant's OpenAPI document`);
  for (const v of violations.slice(0, 5)) console.log(`  ${v}`);
  if (lost.length > 0 || s.outside.length > 0) process.exitCode = 1;
}

main()
  .catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exitCode = 2;
  })
  // Explicit exit: the picture server and the HTTP clients' keep-alive pools would hold the process open.
  .finally(() => cleanup().finally(() => process.exit(process.exitCode ?? 0)));
