// npm run bench:http-adapter [-- --duration 3 --rounds 3 --connections 16 --adapters fastify,express-bare,fastify-bare]
//   [--pieces-only]
// Express or Fastify under NestJS (ADR 0007, issue 16): server CPU per request of the real ApiModule under each HTTP
// adapter, in one run. Starts one API per adapter (bench/support/http-adapter-server.ts, from the TypeScript
// sources; embedded mode, query-embedding cache of one entry so that distinct queries run the text model every time;
// the demo catalog is indexed once and each API starts on its own copy of that DATA_DIR), then drives each route on each API in turn with the same
// load generator, the adapters' order rotating every round so that drift on this shared machine hits them all.
// The figure is the API process's user + system CPU (all threads, /proc) over the run divided by the requests it
// served; the table gives the median over the rounds, and each adapter's ratio to `express-bare` from the same run.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { apiValidationPipe } from '../apps/api/src/http/validation';
import { TextSearchDto } from '../apps/api/src/search/search.dto';
import { processCpuMs } from './server-cpu';
import { startApi, waitForIdleQueue, type ApiProcess } from './support/api-process';
import { autocannon, type AutocannonRequest } from './support/autocannon';
import { ADAPTERS, type Adapter } from './support/http-adapter-server';
import { printTable } from './support/search-app';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- Express's own dependency, no types installed
const etag = require('etag') as (body: Buffer, options: { weak: boolean }) => string;

const ROOT = resolve(__dirname, '..');
const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const DURATION = Number(arg('duration', '3'));
const ROUNDS = Number(arg('rounds', '3'));
const CONNECTIONS = Number(arg('connections', '16'));
/** Only the in-process pieces (see measurePieces), no API. */
const PIECES_ONLY = args.includes('--pieces-only');
/** Seconds each round watches the idle APIs. */
const IDLE_S = 2;
const adapters = arg('adapters', ADAPTERS.join(','))
  .split(',')
  .map((a) => {
    if (!(ADAPTERS as readonly string[]).includes(a)) throw new Error(`unknown adapter ${a}`);
    return a as Adapter;
  });
const BASELINE: Adapter = adapters.includes('express-bare') ? 'express-bare' : adapters[0]!;

const json = { 'content-type': 'application/json' };
const queries = readFileSync(join(ROOT, 'data/demo-catalog/queries.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as { text?: string })
  .flatMap((q) => (q.text ? [q.text] : []));

const routes: { name: string; requests: AutocannonRequest[]; status: number }[] = [
  { name: 'GET /healthz', requests: [{ method: 'GET', path: '/healthz' }], status: 200 },
  {
    name: 'POST /v1/search/text rejected (400)',
    requests: [
      {
        method: 'POST',
        path: '/v1/search/text',
        headers: json,
        body: JSON.stringify({ query: 'red apple', limit: -1 }),
      },
    ],
    status: 400,
  },
  {
    name: 'POST /v1/search/text (unique queries)',
    requests: queries.map((query) => ({
      method: 'POST' as const,
      path: '/v1/search/text',
      headers: json,
      body: JSON.stringify({ query, limit: 20 }),
    })),
    status: 200,
  },
];

async function main(): Promise<void> {
  console.log(
    `node ${process.version}, ${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ` +
      `adapters ${adapters.join(', ')}; ${ROUNDS} rounds of ${DURATION} s per route and adapter at concurrency ${CONNECTIONS}\n`,
  );
  await measurePieces();
  if (PIECES_ONLY) return;
  const dirs: string[] = [];
  const apis = new Map<Adapter, ApiProcess>();
  try {
    // The demo catalog is imported and indexed once (that takes both cores for minutes on this machine); every
    // adapter then starts on its own copy of that DATA_DIR, already indexed.
    const seed = mkdtempSync(join(tmpdir(), 'vitrine-bench-http-seed-'));
    dirs.push(seed);
    const env = (dataDir: string) => ({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      SEED_DEMO_CATALOG: 'true',
      RATE_LIMIT_PER_MINUTE: '0',
      SEARCH_QUERY_CACHE_SIZE: '1',
    });
    const server = (adapter: Adapter) => [
      '-r',
      '@swc-node/register',
      join(__dirname, 'support/http-adapter-server.ts'),
      adapter,
    ];
    const seeder = await startApi({
      argv: server(adapters[0]!),
      env: env(seed),
      waitFor: 'indexed',
      label: `${adapters[0]!} (indexing the demo catalog)`,
    });
    await seeder.stop();
    for (const adapter of adapters) {
      const dataDir = mkdtempSync(join(tmpdir(), `vitrine-bench-http-${adapter}-`));
      dirs.push(dataDir);
      cpSync(seed, dataDir, { recursive: true });
      const api = await startApi({
        argv: server(adapter),
        env: env(dataDir),
        waitFor: 'listening',
        label: adapter,
      });
      apis.set(adapter, api);
      await waitForIdleQueue(api.url);
    }
    const cpu = new Map<string, number[]>();
    const key = (route: string, adapter: Adapter) => `${route}\u0000${adapter}`;
    for (let round = 0; round < ROUNDS; round++) {
      const order = adapters.map((_, i) => adapters[(i + round) % adapters.length]!);
      // What each API burns with no request (timers, metrics, the queue's polling): printed, not subtracted (as in
      // bench:api), so that the figures compare with the other tables; at a few hundred requests/s it is noise.
      const idleFrom = new Map(adapters.map((a) => [a, processCpuMs(apis.get(a)!.pid)]));
      await new Promise((r) => setTimeout(r, IDLE_S * 1000));
      const idle = new Map(
        adapters.map((a) => [a, (processCpuMs(apis.get(a)!.pid) - idleFrom.get(a)!) / IDLE_S]),
      );
      console.log(
        `round ${round + 1}: idle CPU ${adapters.map((a) => `${a} ${idle.get(a)!.toFixed(0)} ms/s`).join(', ')}; ` +
          `load ${loadavg()[0]!.toFixed(2)}`,
      );
      for (const route of routes) {
        for (const adapter of order) {
          const api = apis.get(adapter)!;
          if (round === 0)
            await autocannon({
              url: api.url,
              connections: CONNECTIONS,
              duration: 1,
              requests: route.requests,
            });
          const before = processCpuMs(api.pid);
          const r = await autocannon({
            url: api.url,
            connections: CONNECTIONS,
            duration: DURATION,
            requests: route.requests,
          });
          const ms = processCpuMs(api.pid) - before;
          const served = r.requests.total;
          if (served === 0) {
            console.log(
              `round ${round + 1}, ${adapter}, ${route.name}: no request answered in ${DURATION} s`,
            );
            continue;
          }
          const wrong = route.status === 200 ? r.non2xx : served - r.non2xx;
          if (wrong + r.errors + r.timeouts > 0)
            throw new Error(
              `${adapter} ${route.name}: ${wrong} answers not ${route.status}, ${r.errors} errors`,
            );
          (
            cpu.get(key(route.name, adapter)) ??
            cpu.set(key(route.name, adapter), []).get(key(route.name, adapter))!
          ).push(ms / served);
          console.log(
            `round ${round + 1}, ${adapter}, ${route.name}: ${(ms / served).toFixed(3)} ms CPU/req ` +
              `(${served} requests, ${r.requests.average.toFixed(0)} req/s, p50 ${r.latency.p50} ms)`,
          );
        }
      }
    }
    const median = (xs: number[] = []) =>
      xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : Number.NaN;
    console.log(
      `\nServer CPU per request, median of ${ROUNDS} (ms; × = ratio to ${BASELINE} in this run), load ${loadavg()[0]!.toFixed(2)}:\n`,
    );
    printTable([
      ['route', 'concurrency', ...adapters.flatMap((a) => (a === BASELINE ? [a] : [a, `× ${a}`]))],
      ...routes.map((route) => {
        const base = median(cpu.get(key(route.name, BASELINE)));
        return [
          route.name,
          String(CONNECTIONS),
          ...adapters.flatMap((a) => {
            const m = median(cpu.get(key(route.name, a)));
            return a === BASELINE ? [m.toFixed(3)] : [m.toFixed(3), (m / base).toFixed(2)];
          }),
        ];
      }),
    ]);
  } finally {
    await Promise.all([...apis.values()].map((api) => api.stop()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Two pieces of every search request, in this process (no HTTP): the validation pipe on a typical search body
 * (screening, unknown keys, class-transformer and class-validator), and the weak ETag Express computes over a
 * 20-card answer. Both are candidates for "compute once" work; these say what removing them could save.
 */
async function measurePieces(): Promise<void> {
  const pipe = apiValidationPipe();
  const meta = { type: 'body' as const, metatype: TextSearchDto, data: undefined };
  const body = () => ({ query: 'red apple for kids', limit: 20, facets: ['brand', 'category'] });
  const card = (i: number) => ({
    id: randomUUID(),
    sku: `VT-FOO-${i}`,
    title: `Family Pack Red Apple ${i}`,
    brand: 'Harvest Table',
    category: 'Food',
    price: { amount: '2.99', currency: 'EUR' },
    inStock: true,
    imageUrl: `/v1/products/${randomUUID()}/images/0`,
    score: 0.5,
    highlights: { title: [[0, 6]] },
  });
  const answer = Buffer.from(JSON.stringify({ items: Array.from({ length: 20 }, (_, i) => card(i)) }));
  const perOp = async (n: number, op: () => unknown): Promise<number> => {
    for (let i = 0; i < n / 10; i++) await op(); // JIT
    const from = process.cpuUsage();
    for (let i = 0; i < n; i++) await op();
    const used = process.cpuUsage(from);
    return (used.user + used.system) / n;
  };
  const validation = await perOp(20_000, () => pipe.transform(body(), meta));
  const tag = await perOp(20_000, () => etag(answer, { weak: true }));
  console.log(
    `In process: validation pipe on a search body ${validation.toFixed(1)} µs CPU; ETag of a 20-card answer ` +
      `(${answer.length} bytes) ${tag.toFixed(1)} µs (load ${loadavg()[0]!.toFixed(2)})\n`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
