// Server CPU per request (issue 16): the API process's user + system CPU time (all its threads: event loop, the
// model's worker and onnxruntime threads, embedded PGlite) read from /proc/<pid>/stat before and after a fixed run,
// divided by the requests it served. Steadier from machine to machine than latency, and not moved by other load on
// the machine (the load generator's own CPU is not counted). With PostgreSQL on this machine, the CPU of the server
// processes connected to the API's database is read the same way and reported beside it.
import { existsSync, readFileSync } from 'node:fs';
import { Client } from 'pg';
import { autocannon, type AutocannonRequest } from './support/autocannon';

/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS = 100;

/** CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat (Linux). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat (utime, stime), counted from the state field (3rd) after the command name.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

export interface CpuRow {
  route: string;
  connections: number;
  requests: number;
  cpuMsPerRequest: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  failed: number;
  /** CPU of the PostgreSQL backends connected to the API's database, per request (when a database URL is given). */
  dbCpuMsPerRequest?: number;
}

const json = { 'content-type': 'application/json' };

/**
 * The routes issue 16 sets goals for, each driven for `duration` seconds at `connections` after a short warm-up.
 * `queries` are distinct texts: cycled, every request misses a query-embedding cache smaller than the list (the
 * API under test runs with `SEARCH_QUERY_CACHE_SIZE=1`), so the text model runs every time; the repeated-query row
 * sends one text only, so every request after the first is a cache hit.
 */
export async function measureServerCpu(
  url: string,
  pid: number,
  queries: string[],
  options: { duration: number; connections: number; databaseUrl?: string },
): Promise<CpuRow[]> {
  const search = (query: string): AutocannonRequest => ({
    method: 'POST',
    path: '/v1/search/text',
    headers: json,
    body: JSON.stringify({ query, limit: 20 }),
  });
  const ids = await productIds(url, queries.slice(0, 40));
  const routes: [string, AutocannonRequest[]][] = [
    ['POST /v1/search/text, unique queries (text model every time)', queries.map(search)],
    ['POST /v1/search/text, one repeated query (cache hit)', [search(queries[0]!)]],
    [
      'GET /v1/products/:id/similar',
      ids.map((id) => ({ method: 'GET' as const, path: `/v1/products/${encodeURIComponent(id)}/similar` })),
    ],
    ['GET /healthz', [{ method: 'GET', path: '/healthz' }]],
  ];
  const rows: CpuRow[] = [];
  for (const [route, requests] of routes) {
    await autocannon({ url, connections: options.connections, duration: 1, requests }); // JIT, pools
    const backends = options.databaseUrl ? await backendPids(options.databaseUrl) : [];
    const dbBefore = backends.map(cpuIfAlive);
    const before = processCpuMs(pid);
    const r = await autocannon({
      url,
      connections: options.connections,
      duration: options.duration,
      requests,
    });
    const cpu = processCpuMs(pid) - before;
    const dbCpu = backends.reduce((sum, b, i) => sum + Math.max(0, cpuIfAlive(b) - dbBefore[i]!), 0);
    const served = r.requests.total ?? r.requests.average * options.duration;
    const row: CpuRow = {
      route,
      connections: options.connections,
      requests: served,
      cpuMsPerRequest: cpu / served,
      requestsPerSecond: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      failed: r.non2xx + r.errors + r.timeouts,
      ...(options.databaseUrl ? { dbCpuMsPerRequest: dbCpu / served } : {}),
    };
    rows.push(row);
    console.log(
      `${route}, concurrency ${row.connections}: ${row.cpuMsPerRequest.toFixed(2)} ms server CPU per request ` +
        (row.dbCpuMsPerRequest !== undefined ? `+ ${row.dbCpuMsPerRequest.toFixed(2)} ms PostgreSQL ` : '') +
        `(${served} requests, ${row.requestsPerSecond.toFixed(0)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, failed ${row.failed})`,
    );
  }
  return rows;
}

/** PostgreSQL server processes connected to the database of `databaseUrl` (the API's pool), this one excluded. */
async function backendPids(databaseUrl: string): Promise<number[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

/** A process's CPU ms so far, 0 once it is gone (a backend that closed during the run loses its share). */
function cpuIfAlive(pid: number): number {
  return existsSync(`/proc/${pid}/stat`) ? processCpuMs(pid) : 0;
}

/** Product ids for the similar-products route: the first hits of a few searches, distinct. */
async function productIds(url: string, queries: string[]): Promise<string[]> {
  const ids = new Set<string>();
  for (const query of queries) {
    const res = await fetch(`${url}/v1/search/text`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ query, limit: 5 }),
    });
    if (!res.ok) throw new Error(`search "${query}" answered ${res.status}`);
    for (const item of ((await res.json()) as { items: { id: string }[] }).items) ids.add(item.id);
  }
  if (ids.size === 0) throw new Error('no product found for the similar-products route');
  return [...ids];
}

export function cpuTable(rows: CpuRow[]): string[][] {
  const db = rows.some((r) => r.dbCpuMsPerRequest !== undefined);
  return [
    [
      'route',
      'concurrency',
      'server CPU ms/req',
      ...(db ? ['PostgreSQL CPU ms/req'] : []),
      'req/s',
      'p50 ms',
      'p99 ms',
      'failed',
    ],
    ...rows.map((r) => [
      r.route,
      String(r.connections),
      r.cpuMsPerRequest.toFixed(2),
      ...(db ? [r.dbCpuMsPerRequest?.toFixed(2) ?? '—'] : []),
      r.requestsPerSecond.toFixed(0),
      String(r.p50),
      String(r.p99),
      String(r.failed),
    ]),
  ];
}
