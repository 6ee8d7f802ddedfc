// npm run build && node -r @swc-node/register bench/cpu-profile.ts [--db pglite|postgres --duration 6 --connections 16 --keep DIR
//   | --threads-only] [--node-args '--max-semi-space-size=64']
// Where a text search's server CPU goes (issue 16). Starts the built API (dist/) in embedded mode (PGlite, embedded
// vectors, a fresh DATA_DIR; `--db postgres`: a fresh database on TEST_DATABASE_URL's server instead of PGlite) under `node --cpu-prof`, waits until the demo catalog is indexed and its follow-up jobs
// are done, then drives POST /v1/search/text with the 482 distinct demo queries and the query-embedding cache off
// (the text model runs for every request). It reads the API's CPU (user + system, all threads) from /proc over the
// run, stops the API, and attributes the profile samples taken during the run (main thread and the model's worker
// thread; V8 and this process share CLOCK_MONOTONIC) to the parts of a search: each sample goes to the innermost
// frame that belongs to a known part. CPU the profiles do not see (onnxruntime's own threads, GC helper threads, the
// libuv pool) is the process total minus what the two JavaScript threads were busy.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestDatabase } from '../test/support/database';
import { processCpuMs } from './server-cpu';
import { waitForIdleQueue } from './support/api-process';
import { autocannon } from './support/autocannon';

interface CallFrame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const ROOT = resolve(__dirname, '..');
const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const DURATION = Number(arg('duration', '6'));
const CONNECTIONS = Number(arg('connections', '16'));
const KEEP = arg('keep', '');
const DB = arg('db', 'pglite');
/** Per-thread CPU only, without the profiler (whose own threads and sampling cost CPU too). */
const THREADS_ONLY = args.includes('--threads-only');
/** Extra V8/Node flags for the API process, to measure their effect (e.g. a larger young generation). */
const NODE_ARGS = arg('node-args', '').split(' ').filter(Boolean);

/**
 * The parts of a search, first match wins per frame; a sample goes to its innermost frame that matches any rule.
 * Frames of code that serves everyone (node internals, libs/core) match none, so their time goes to the caller.
 */
const PARTS: [string, RegExp][] = [
  ['text embedding: tokenizer', /\/libs\/embedding\/src\/text\//],
  ['text embedding: ONNX run (onnxruntime-node)', /\/onnxruntime-(node|common)\//],
  [
    'text embedding: batching, worker hop, provider',
    /\/libs\/embedding\/src\/(onnx|batching)\/|\/libs\/search\/src\/query\/query-embedding-cache/,
  ],
  [
    'lexical SQL (pg client, PGlite, catalog queries)',
    /\/@electric-sql\/pglite|\/node_modules\/(pg|pg-protocol|pg-pool|pg-types)\/|\/libs\/catalog\/src\//,
  ],
  ['vector search (embedded store)', /\/libs\/vectors\/src\//],
  ['reranking and fusion', /\/libs\/search\/src\/(rerank|fusion|relevance)\//],
  [
    'query understanding (NLU, lexicon, synonyms, filters)',
    /\/libs\/nlu\/src\/|\/libs\/search\/src\/(lexicon|synonyms|filters)\/|\/libs\/search\/src\/query\/query-understanding/,
  ],
  [
    'cards and response (highlights, facets, DTOs)',
    /\/libs\/search\/src\/(query\/highlights|facets|query\/cursor)|\/apps\/api\/src\/search\//,
  ],
  ['search service (orchestration)', /\/libs\/search\/src\//],
  ['search analytics', /\/libs\/analytics\/src\//],
  [
    'HTTP stack (Express, Nest, validation, logging, metrics)',
    /\/node_modules\/(express|body-parser|router|@nestjs|class-validator|class-transformer|pino|pino-http|prom-client|helmet|raw-body|on-finished|finalhandler|send|qs|iconv-lite|cors|compression|rxjs|reflect-metadata|@vitrine)\/|\/apps\/api\/src\//,
  ],
];
const GC = 'garbage collector';

/** CPU ms per thread of a process (utime + stime of /proc/<pid>/task/<tid>/stat), keyed `tid name`. */
function threadCpuMs(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const file = `/proc/${pid}/task/${tid}/stat`;
    if (!existsSync(file)) continue;
    const stat = readFileSync(file, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(`${tid} ${name}`, (Number(fields[11]) + Number(fields[12])) * 10);
  }
  return out;
}

function attribute(profile: CpuProfile, from: number, to: number): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const part = new Map<number, string>();
  const partOf = (id: number): string => {
    const known = part.get(id);
    if (known !== undefined) return known;
    const { functionName, url } = byId.get(id)!.callFrame;
    let found: string | undefined;
    if (functionName === '(idle)') found = '(idle)';
    else if (functionName === '(garbage collector)') found = GC;
    else if (functionName === '(program)') found = 'V8/native outside JavaScript (program)';
    else found = PARTS.find(([, re]) => re.test(url))?.[0];
    if (found === undefined) {
      const up = parent.get(id);
      found = up === undefined ? 'other (node internals, timers, sockets)' : partOf(up);
    }
    part.set(id, found);
    return found;
  };
  const totals = new Map<string, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i]!;
    if (t < from || t > to) continue;
    // The time until the next sample belongs to this one.
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const name = partOf(profile.samples[i]!);
    totals.set(name, (totals.get(name) ?? 0) + dt);
  }
  return totals;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vitrine-cpu-profile-'));
  const profDir = KEEP || mkdtempSync(join(tmpdir(), 'vitrine-cpu-prof-'));
  const db = DB === 'postgres' ? await createTestDatabase('bench_cpu_profile') : undefined;
  const port = String(30_000 + Math.floor(Math.random() * 20_000));
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [
      ...NODE_ARGS,
      ...(THREADS_ONLY ? [] : ['--cpu-prof', `--cpu-prof-dir=${profDir}`]),
      join(ROOT, 'dist/apps/api/src/main.js'),
    ],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOST: '127.0.0.1',
        PORT: port,
        DATA_DIR: dataDir,
        ...(db ? { DATABASE_URL: db.url } : {}),
        LOG_LEVEL: 'info',
        SEED_DEMO_CATALOG: 'true',
        RATE_LIMIT_PER_MINUTE: '0',
        SEARCH_QUERY_CACHE_SIZE: '0',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  try {
    await new Promise<void>((ready, reject) => {
      child.once('exit', (code) => reject(new Error(`API exited with ${code} before it was ready`)));
      const onData = (chunk: Buffer) => {
        if (chunk.includes('search is complete')) {
          child.stdout.off('data', onData);
          child.stdout.resume();
          ready();
        }
      };
      child.stdout.on('data', onData);
    });
    await waitForIdleQueue(url);
    const queries = readFileSync(join(ROOT, 'data/demo-catalog/queries.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { text?: string })
      .flatMap((q) => (q.text ? [q.text] : []));
    const requests = queries.map((query) => ({
      method: 'POST' as const,
      path: '/v1/search/text',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, limit: 20 }),
    }));
    await autocannon({ url, connections: CONNECTIONS, duration: 2, requests }); // warm-up
    const idleBefore = processCpuMs(child.pid!);
    await new Promise((r) => setTimeout(r, 2000));
    const idleCpuPerS = (processCpuMs(child.pid!) - idleBefore) / 2;
    const from = Number(process.hrtime.bigint() / 1000n);
    const cpuBefore = processCpuMs(child.pid!);
    const threadsBefore = threadCpuMs(child.pid!);
    const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, requests });
    const cpu = processCpuMs(child.pid!) - cpuBefore;
    const threadsAfter = threadCpuMs(child.pid!);
    const to = Number(process.hrtime.bigint() / 1000n);
    if (r.non2xx + r.errors > 0) throw new Error(`${r.non2xx} non-2xx, ${r.errors} errors`);
    child.kill('SIGTERM');
    await exited;
    const served = r.requests.total;
    // True CPU per thread: the profiles sample wall time while a thread is busy, which on a loaded machine includes
    // time it was preempted (e.g. inside a syscall that woke another thread), so they give shares, not amounts.
    const byThread: [string, number][] = [];
    for (const [key, after] of threadsAfter) {
      const [tid, ...name] = key.split(' ');
      const label =
        tid === String(child.pid) ? 'main thread (event loop)' : `thread ${tid} "${name.join(' ')}"`;
      byThread.push([label, after - (threadsBefore.get(key) ?? 0)]);
    }
    byThread.sort((a, b) => b[1] - a[1]);
    const mainCpu = byThread.find(([n]) => n.startsWith('main'))?.[1] ?? 0;
    console.log(
      '\nServer CPU per request by thread (/proc/<pid>/task; worker threads are all named "node"):',
    );
    for (const [name, ms] of byThread) if (ms > 0) console.log(`- ${name}: ${(ms / served).toFixed(3)} ms`);
    if (THREADS_ONLY) {
      console.log(
        `\n${served} requests, ${r.requests.average.toFixed(0)} req/s; server CPU ${(cpu / served).toFixed(2)} ms per request`,
      );
      return;
    }
    const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
    const threads = files.map((f) => {
      const profile = JSON.parse(readFileSync(join(profDir, f), 'utf8')) as CpuProfile;
      const totals = attribute(profile, from, to);
      const busy = [...totals].filter(([k]) => k !== '(idle)').reduce((s, [, v]) => s + v, 0);
      return { file: f, totals, busy };
    });
    // The main thread is the one that served HTTP; every other profile is a worker thread.
    const main = threads.reduce((a, b) =>
      (b.totals.get(PARTS.at(-1)![0]) ?? 0) > (a.totals.get(PARTS.at(-1)![0]) ?? 0) ? b : a,
    );
    const rows: [string, number][] = [];
    const add = (name: string, ms: number) => rows.push([name, ms / served]);
    // The main thread's true CPU, shared out by its profile's busy samples.
    for (const [name, ms] of [...main.totals].sort((a, b) => b[1] - a[1]))
      if (name !== '(idle)') add(`main thread: ${name}`, (ms / main.busy) * mainCpu);
    // Worker threads in their profiles' busy time (wall, an upper bound on their CPU).
    let workers = 0;
    for (const w of threads.filter((t) => t !== main))
      for (const [name, ms] of [...w.totals].sort((a, b) => b[1] - a[1]))
        if (name !== '(idle)' && ms > 0) {
          add(`model worker thread: ${name}`, ms);
          workers += ms;
        }
    add(
      `other threads: ${db ? '' : 'PGlite worker (writes no profile), '}onnxruntime pool, GC helpers, profiler, libuv`,
      Math.max(0, cpu - mainCpu - workers),
    );
    console.log(
      `\nPOST /v1/search/text, unique queries, cache off, ${db ? 'PostgreSQL (its CPU not counted)' : 'PGlite'}, concurrency ${CONNECTIONS}, ${DURATION} s under --cpu-prof: ` +
        `${served} requests, ${r.requests.average.toFixed(0)} req/s, p50 ${r.latency.p50} ms; ` +
        `server CPU ${(cpu / served).toFixed(2)} ms per request (idle API: ${idleCpuPerS.toFixed(1)} ms CPU per s); ` +
        `main thread busy ${((main.busy / (to - from)) * 1000 * 100).toFixed(0)}% of the run\n`,
    );
    const width = Math.max(...rows.map(([n]) => n.length));
    console.log(`| ${'part'.padEnd(width)} | CPU ms/request | share |`);
    console.log(`|${'-'.repeat(width + 2)}|---------------:|------:|`);
    const total = cpu / served;
    for (const [name, ms] of rows)
      console.log(
        `| ${name.padEnd(width)} | ${ms.toFixed(3).padStart(14)} | ${((ms / total) * 100).toFixed(0).padStart(4)}% |`,
      );
    console.log(`| ${'total (from /proc)'.padEnd(width)} | ${total.toFixed(3).padStart(14)} |  100% |`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    if (!KEEP) rmSync(profDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
