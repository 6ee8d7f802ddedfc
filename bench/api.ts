// npm run bench:api [-- --db postgres|pglite --duration 10 --url http://host:port]
// npm run bench:api -- --while-indexing [--model DIR]   (search latency while the API indexes the demo catalog)
// npm run bench:api -- --cpu-only [--db pglite] [--cpu-duration 4] [--cpu-connections 16]   (server CPU per request only)
// Text-search latency and throughput through HTTP. Starts the built API (dist/) as a child process on the demo
// catalog — a fresh PostgreSQL database on TEST_DATABASE_URL's server (default) or embedded PGlite — waits until
// the catalog is imported and indexed (and its follow-up jobs are done), then drives POST /v1/search/text with
// autocannon at concurrency 1 and 16, cycling through the 482 evaluation queries (CLDR names). It runs twice: with the query-embedding cache off
// (every request embeds its text) and on (after the first pass every query is cached). With --url it measures an
// already running, indexed API as it is configured instead. With the cache on it also measures the HTTP floor, what
// four facets add to a search (server CPU per request), GET /v1/suggest at concurrency 1 and 16 (bench/suggest.ts),
// and the relevance cutoff's recall and precision through HTTP (demo queries against fixed nonsense queries).
// Last, on an API whose query-embedding cache holds one entry, the server CPU per request (bench/server-cpu.ts) of
// text search with unique queries and with one repeated query, similar products and /healthz (issue 16); with
// --url, only when --pid names the API's process on this machine.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { nonsenseQueries } from '@vitrine/search';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { cpuTable, measureServerCpu, processCpuMs, type CpuRow } from './server-cpu';
import { measureSuggest } from './suggest';
import { startApi as startApiProcess, type ApiProcess } from './support/api-process';
import { autocannon, type AutocannonOptions } from './support/autocannon';

const ROOT = resolve(__dirname, '..');
const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const DB = arg('db', 'postgres');
const DURATION = Number(arg('duration', '10'));
const URL_GIVEN = args.includes('--url') ? arg('url', '') : undefined;
const WHILE_INDEXING = args.includes('--while-indexing');
const MODEL_DIR = arg('model', '');
const CPU_ONLY = args.includes('--cpu-only');
const CPU_DURATION = Number(arg('cpu-duration', '4'));
const CPU_CONNECTIONS = Number(arg('cpu-connections', '16'));
const URL_PID = args.includes('--pid') ? Number(arg('pid', '')) : undefined;
/** Server CPU per request by route (see bench/server-cpu.ts). */
const cpuRows: CpuRow[] = [];
/** The HTTP stack's own cost, measured once (see measureFloor). */
const floor: string[] = [];
/** Facet overhead (see measureFacets). */
const facetRows: string[] = [];
/** Relevance cutoff through HTTP (see measureCutoff). */
const cutoffRows: string[] = [];
/** GET /v1/suggest (see bench/suggest.ts). */
const suggestRows: string[] = [];
const FACETS = ['category', 'brand', 'price', 'inStock'];

const queries = readFileSync(join(ROOT, 'data/demo-catalog/queries.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as { text?: string })
  .flatMap((q) => (q.text ? [q.text] : []));

async function main(): Promise<void> {
  console.log(
    `node ${process.version}, ${cpus().length} cores; ${queries.length} distinct queries, ${DURATION} s per run\n`,
  );
  const rows: string[][] = [['cache', 'concurrency', 'p50 ms', 'p99 ms', 'mean ms', 'req/s', 'non-2xx']];
  if (URL_GIVEN) {
    if (!CPU_ONLY) {
      await measure(URL_GIVEN, 'as configured', rows);
      await measureFacets(URL_GIVEN, URL_PID);
      await measureSuggestions(URL_GIVEN);
      await measureCutoff(URL_GIVEN);
    }
    if (URL_PID) cpuRows.push(...(await serverCpu(URL_GIVEN, URL_PID)));
  } else if (WHILE_INDEXING) {
    await measureWhileIndexing();
    return;
  } else {
    const dataDir = mkdtempSync(join(tmpdir(), 'vitrine-bench-api-'));
    const db = DB === 'postgres' ? await createTestDatabase('bench_api') : undefined;
    try {
      for (const cacheSize of CPU_ONLY ? [] : ['0', '1000']) {
        const api = await startApi(dataDir, db, cacheSize, cacheSize === '0' ? 'indexed' : 'listening');
        try {
          await measure(api.url, cacheSize === '0' ? 'off' : 'on', rows);
          if (cacheSize !== '0') {
            await measureFloor(api.url);
            await measureFacets(api.url, api.pid);
            await measureSuggestions(api.url);
            await measureCutoff(api.url);
          }
        } finally {
          await api.stop();
        }
      }
      // A cache of one entry: cycled distinct queries always miss it, one repeated query always hits it.
      const api = await startApi(dataDir, db, '1', CPU_ONLY ? 'indexed' : 'listening');
      try {
        cpuRows.push(...(await serverCpu(api.url, api.pid, db?.url)));
      } finally {
        await api.stop();
      }
    } finally {
      await db?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const catalog = `${DB === 'postgres' ? 'PostgreSQL' : 'PGlite'} catalog`;
  if (cpuRows.length) {
    console.log(
      `\nServer CPU per request (API process user + system from /proc, ${catalog}${DB === 'postgres' && !URL_GIVEN ? ', PostgreSQL backends of its database beside it' : ''}, ${CPU_DURATION} s per route):\n`,
    );
    printTable(cpuTable(cpuRows));
  }
  if (CPU_ONLY) return;
  console.log(
    `\nPOST /v1/search/text {query, limit: 20} (${DB === 'postgres' ? 'PostgreSQL' : 'PGlite'} catalog, embedded vectors, demo model, rerank on)\n`,
  );
  printTable(rows);
  if (floor.length) console.log(`\nFloor:\n${floor.map((l) => `- ${l}`).join('\n')}`);
  if (facetRows.length)
    console.log(`\nFacets (${FACETS.join(', ')}):\n${facetRows.map((l) => `- ${l}`).join('\n')}`);
  if (suggestRows.length)
    console.log(
      `\nGET /v1/suggest (every keystroke prefix of the demo queries):\n${suggestRows.map((l) => `- ${l}`).join('\n')}`,
    );
  if (cutoffRows.length)
    console.log(`\nRelevance cutoff through HTTP:\n${cutoffRows.map((l) => `- ${l}`).join('\n')}`);
}

function serverCpu(url: string, pid: number, databaseUrl?: string): Promise<CpuRow[]> {
  return measureServerCpu(url, pid, queries, {
    duration: CPU_DURATION,
    connections: CPU_CONNECTIONS,
    ...(databaseUrl ? { databaseUrl } : {}),
  });
}

async function measureSuggestions(url: string): Promise<void> {
  for (const f of await measureSuggest(url, DURATION))
    suggestRows.push(
      `concurrency ${f.connections}: p50 ${f.p50} ms, p99 ${f.p99} ms, ${f.requestsPerSecond.toFixed(0)} req/s, failed ${f.failed}`,
    );
}

/**
 * What counting facets over the whole relevant set costs: the same queries (cache on, concurrency 4) without
 * facets and with four, interleaved twice so drift hits both. With the API's pid (the API this script started), the
 * figure is the server's CPU time per request (user + system, from /proc), which other load on the machine does
 * not change; with only a URL, the mean latency above the HTTP floor (a request refused by validation).
 */
async function measureFacets(url: string, pid?: number): Promise<void> {
  const withFacets = (facets: boolean): AutocannonOptions['requests'] =>
    queries.map((query) => ({
      method: 'POST' as const,
      path: '/v1/search/text',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, limit: 20, ...(facets ? { facets: FACETS } : {}) }),
    }));
  const floorRun = await autocannon({
    url,
    connections: 1,
    duration: Math.max(3, DURATION / 2),
    requests: [
      {
        method: 'POST',
        path: '/v1/search/text',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'x', limit: -1 }),
      },
    ],
  });
  const runs = {
    none: [] as { latency: number; cpuMs?: number }[],
    four: [] as { latency: number; cpuMs?: number }[],
  };
  for (let round = 0; round < 2; round++) {
    for (const facets of [false, true]) {
      const before = pid ? processCpuMs(pid) : undefined;
      const r = await autocannon({ url, connections: 4, duration: DURATION, requests: withFacets(facets) });
      if (r.non2xx + r.errors > 0)
        throw new Error(`facet run answered ${r.non2xx} non-2xx, ${r.errors} errors`);
      const requests = r.requests.average * DURATION;
      (facets ? runs.four : runs.none).push({
        latency: r.latency.average,
        ...(pid && before !== undefined ? { cpuMs: (processCpuMs(pid) - before) / requests } : {}),
      });
    }
  }
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const none = avg(runs.none.map((r) => r.latency));
  const four = avg(runs.four.map((r) => r.latency));
  if (pid) {
    const cpuNone = avg(runs.none.map((r) => r.cpuMs!));
    const cpuFour = avg(runs.four.map((r) => r.cpuMs!));
    facetRows.push(
      `server CPU per search without facets ${cpuNone.toFixed(2)} ms, with ${FACETS.length} facets ${cpuFour.toFixed(2)} ms: ` +
        `+${((cpuFour / cpuNone - 1) * 100).toFixed(0)}% (concurrency 4; mean latency ${none.toFixed(1)} → ${four.toFixed(1)} ms)`,
    );
  } else {
    const server = (x: number) => Math.max(0.001, x - floorRun.latency.average);
    facetRows.push(
      `mean latency without facets ${none.toFixed(2)} ms, with ${FACETS.length} facets ${four.toFixed(2)} ms ` +
        `(HTTP floor ${floorRun.latency.average.toFixed(2)} ms): server time +${((server(four) / server(none) - 1) * 100).toFixed(0)}%`,
    );
  }
  console.log(facetRows.at(-1));
}

/**
 * The relevance cutoff as a shopper meets it, through HTTP: every demo query (recall: its relevant product is in
 * the answer, limit 100) and the fixed nonsense queries (precision: of the queries answered with anything, the
 * share that are real). Spelling correction and synonyms are on, as in production.
 */
async function measureCutoff(url: string): Promise<void> {
  const demo = readFileSync(join(ROOT, 'data/demo-catalog/queries.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { text?: string; relevant: string[] })
    .filter((q): q is { text: string; relevant: string[] } => typeof q.text === 'string');
  const ask = async (query: string) => {
    const res = await fetch(`${url}/v1/search/text`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, limit: 100 }),
    });
    if (!res.ok) throw new Error(`search "${query}" answered ${res.status}`);
    return (await res.json()) as { total: number; items: { sku: string }[] };
  };
  let found = 0;
  let realAnswered = 0;
  for (const q of demo) {
    const page = await ask(q.text);
    if (page.total > 0) realAnswered++;
    if (page.items.some((i) => q.relevant.includes(i.sku))) found++;
  }
  const nonsense = nonsenseQueries(200);
  let nonsenseAnswered = 0;
  for (const q of nonsense) if ((await ask(q)).total > 0) nonsenseAnswered++;
  cutoffRows.push(
    `recall ${pct(found / demo.length)} (${found} of ${demo.length} demo queries find their product), ` +
      `precision ${pct(realAnswered / (realAnswered + nonsenseAnswered))} ` +
      `(${nonsenseAnswered} of ${nonsense.length} nonsense queries answered anything)`,
  );
  console.log(cutoffRows.at(-1));
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function searchRequests(): AutocannonOptions['requests'] {
  return queries.map((query) => ({
    method: 'POST' as const,
    path: '/v1/search/text',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, limit: 20 }),
  }));
}

async function measure(url: string, cache: string, rows: string[][]): Promise<void> {
  const requests = searchRequests();
  // Warm-up: JIT, connection pools, and (cache on) one pass over every query.
  await autocannon({ url, connections: 4, duration: 3, requests });
  for (const connections of [1, 16]) {
    const r = await autocannon({ url, connections, duration: DURATION, requests });
    rows.push([
      cache,
      String(connections),
      r.latency.p50.toFixed(1),
      r.latency.p99.toFixed(1),
      r.latency.average.toFixed(1),
      r.requests.average.toFixed(0),
      String(r.non2xx + r.errors + r.timeouts),
    ]);
    console.log(
      `cache ${cache}, concurrency ${connections}: p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${r.requests.average} req/s`,
    );
  }
}

/**
 * Embedded mode's worst case: searches while the same process indexes the catalog (from an empty database, so
 * the seeder indexes all of it). One client, uncached, for the run's duration; says whether indexing was still
 * going when the run ended, since only then do the figures describe searching during indexing.
 */
async function measureWhileIndexing(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vitrine-bench-api-'));
  const db = DB === 'postgres' ? await createTestDatabase('bench_api_indexing') : undefined;
  try {
    const api = await startApi(dataDir, db, '0', 'listening', MODEL_DIR || undefined);
    try {
      await new Promise((r) => setTimeout(r, 2000)); // the seeder imports, then indexes
      const r = await autocannon({
        url: api.url,
        connections: 1,
        duration: DURATION,
        requests: searchRequests(),
      });
      const during =
        api.indexedAt() === undefined
          ? 'indexing still running at the end'
          : 'indexing FINISHED during the run';
      console.log(
        `\nPOST /v1/search/text while the API indexes (${MODEL_DIR || 'demo model'}), concurrency 1, cache off: ` +
          `p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms, ` +
          `${r.requests.average.toFixed(1)} req/s; ${during}`,
      );
    } finally {
      await api.stop();
    }
  } finally {
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The same load on requests that do no search work, through the same HTTP stack: what this machine's Node.js,
 * Express/Nest middleware and load generator cost before any search. `GET /healthz` is the bare route (not
 * logged); a search request that validation rejects (`limit: -1`) also pays for JSON body parsing, validation, the
 * error mapping and the request log: the least any search request costs.
 */
async function measureFloor(url: string): Promise<void> {
  const floors: [string, AutocannonOptions['requests'][number]][] = [
    ['GET /healthz (no search work, not logged)', { method: 'GET', path: '/healthz' }],
    [
      'POST /v1/search/text rejected by validation (limit: -1; parsed, validated, logged, no search)',
      {
        method: 'POST',
        path: '/v1/search/text',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'red apple', limit: -1 }),
      },
    ],
  ];
  for (const [label, request] of floors) {
    const r = await autocannon({ url, connections: 16, duration: DURATION, requests: [request] });
    const line = `${label}, concurrency 16: p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${r.requests.average.toFixed(0)} req/s`;
    floor.push(line);
    console.log(line);
  }
}

/** Starts the built API (dist/) on the demo catalog; `waitFor` as in {@link startApiProcess}. */
function startApi(
  dataDir: string,
  db: TestDatabase | undefined,
  cacheSize: string,
  waitFor: 'indexed' | 'listening',
  modelDir?: string,
): Promise<ApiProcess> {
  return startApiProcess({
    argv: [join(ROOT, 'dist/apps/api/src/main.js')],
    env: {
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      SEED_DEMO_CATALOG: 'true',
      RATE_LIMIT_PER_MINUTE: '0',
      SEARCH_QUERY_CACHE_SIZE: cacheSize,
      ...(db ? { DATABASE_URL: db.url } : {}),
      ...(modelDir ? { MODEL_DIR: modelDir } : {}),
    },
    waitFor,
    label: `(cache ${cacheSize === '0' ? 'off' : 'on'})`,
  });
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  rows.forEach((r, i) => {
    console.log(`| ${r.map((cell, c) => cell.padStart(widths[c]!)).join(' | ')} |`);
    if (i === 0) console.log(`|${widths.map((w) => '-'.repeat(w + 1) + ':').join('|')}|`);
  });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
