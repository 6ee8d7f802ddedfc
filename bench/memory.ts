// npm run bench:memory [-- --variants embedded,no-extraction,postgres,threads-1,arenas-2,semi-space-2 --searches 2000
//                          --concurrency 16 --idle 60 --top 6 --main dist-copy/apps/api/src/main.js
//                          --before old-dist/apps/api/src/main.js --soak 600]
// Where the embedded API's memory goes (issue 16, goal 6). For each variant it starts the built API
// (dist/apps/api/src/main.js) on a fresh DATA_DIR and its own port with the demo catalog, waits until boot indexing
// and its follow-up jobs are done, and reads the process's memory from outside: VmRSS and thread count from
// /proc/<pid>/status, RSS summed over any child processes, the mappings of /proc/<pid>/smaps grouped by what
// holds them, and the main thread's V8 heap from the API's own /metrics. It samples three times: idle after boot
// indexing, after N text searches at concurrency C (autocannon, cycling through the demo queries), and after a
// further idle period; then it stops the API and starts it again on the same DATA_DIR (a restart: the database
// folder exists, nothing left to index) and samples it idle once more, then after one Chinese and one English
// search: the first CJK text a segmenter cuts loads a jieba dictionary (the first boot's import of the demo catalog's
// Chinese names loads one), so without that sample a restart looks smaller than it stays. The variants switch one
// piece off through existing configuration, so the difference to `embedded` is what that piece holds.
// `--before FILE` adds a variant running another build with the embedded defaults (before/after in one run).
// `--soak S` instead runs one API for S seconds of alternating search bursts and pauses and prints its memory every
// sample, to show whether anything grows without bound. Each API is stopped by its PID (SIGTERM, then SIGKILL).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { autocannon } from './support/autocannon';

const ROOT = resolve(__dirname, '..');

const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
/** `--main FILE`: another build of the API (e.g. a patched copy of dist/ under .cache/) to compare. */
const MAIN = resolve(ROOT, arg('main', 'dist/apps/api/src/main.js'));
const SEARCHES = Number(arg('searches', '2000'));
const CONCURRENCY = Number(arg('concurrency', '16'));
const IDLE_S = Number(arg('idle', '60'));
/** `--before FILE`: a second build measured as variant `before` with the embedded defaults. */
const BEFORE = args.includes('--before') ? resolve(ROOT, arg('before', '')) : undefined;
/** `--soak S`: one API under alternating load and rest for S seconds, sampled throughout. */
const SOAK_S = Number(arg('soak', '0'));
/** `--top N`: print the N largest mappings of the first sample (to refine the grouping). */
const TOP = Number(arg('top', '0'));
/** Settling time before each idle sample: timers, logging and GC after the last work. */
const SETTLE_MS = 5000;

/** One configuration of the API; `env` is added to the embedded defaults, `postgres` swaps PGlite for PostgreSQL. */
interface Variant {
  readonly name: string;
  readonly what: string;
  readonly env: Record<string, string>;
  readonly postgres?: boolean;
  /** Node/V8 flags for the API process (and so for every worker thread's isolate). */
  readonly nodeArgs?: readonly string[];
  /** Another build's main.js (default: `--main`). */
  readonly main?: string;
}
const VARIANTS: readonly Variant[] = [
  { name: 'embedded', what: 'embedded defaults (PGlite, embedded vectors, in-process indexer)', env: {} },
  {
    name: 'no-extraction',
    what: 'ATTRIBUTE_EXTRACTION=false',
    env: { ATTRIBUTE_EXTRACTION: 'false' },
  },
  { name: 'postgres', what: 'DATABASE_URL=PostgreSQL (no PGlite)', env: {}, postgres: true },
  { name: 'threads-1', what: 'EMBEDDING_THREADS=1', env: { EMBEDDING_THREADS: '1' } },
  {
    name: 'arenas-2',
    what: 'MALLOC_ARENA_MAX=2 (glibc, not Vitrine config)',
    env: { MALLOC_ARENA_MAX: '2' },
  },
  {
    name: 'semi-space-2',
    what: 'node --max-semi-space-size=2 (V8 young generation, every isolate)',
    env: {},
    nodeArgs: ['--max-semi-space-size=2'],
  },
];
const chosen = [
  ...(BEFORE ? [{ name: 'before', what: `embedded defaults, build ${BEFORE}`, env: {}, main: BEFORE }] : []),
  ...arg('variants', VARIANTS.map((v) => v.name).join(','))
    .split(',')
    .map((name) => {
      const v = VARIANTS.find((x) => x.name === name);
      if (!v) throw new Error(`unknown variant "${name}"; known: ${VARIANTS.map((x) => x.name).join(', ')}`);
      return v;
    }),
];

const readQueries = (file: string): string[] =>
  readFileSync(join(ROOT, 'data/demo-catalog', file), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { text?: string })
    .flatMap((q) => (q.text ? [q.text] : []));
const queries = readQueries('queries.jsonl');
/** One query per language for the restarted API's last sample (see the header). */
const LANGUAGE_PROBES = [readQueries('queries.zh.jsonl')[0]!, queries[0]!];

/** What one sample holds (kB unless named otherwise). */
interface Sample {
  readonly phase: string;
  readonly rssKb: number;
  /** RSS of the API plus every descendant process. */
  readonly treeRssKb: number;
  readonly processes: number;
  readonly threads: number;
  readonly groups: ReadonlyMap<string, number>;
  /** Main isolate's V8 heap (used / total) and external memory, from /metrics. */
  readonly v8: { readonly usedKb: number; readonly totalKb: number; readonly externalKb: number };
}

async function main(): Promise<void> {
  for (const file of [MAIN, ...(BEFORE ? [BEFORE] : [])])
    if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build first`);
  const commit = (() => {
    try {
      return `commit ${execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()}`;
    } catch {
      return 'commit unknown';
    }
  })();
  console.log(
    `node ${process.version}, ${cpus().length} cores, ${new Date().toISOString()}, ${commit}; ` +
      `${SEARCHES} searches at concurrency ${CONCURRENCY}, idle ${IDLE_S} s; ${MAIN}; ` +
      `load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`,
  );
  if (SOAK_S > 0) return soak(chosen[chosen.length - 1]!);
  const results: { variant: Variant; samples: Sample[] }[] = [];
  for (const variant of chosen) {
    const samples = await measureVariant(variant);
    results.push({ variant, samples });
    printGroups(variant, samples);
  }
  console.log(
    '\nRSS in MiB (API process; + children where any) — idle after boot / after searches / idle again\n',
  );
  const base = results.find((r) => r.variant.name === 'embedded')?.samples;
  const rows: string[][] = [
    [
      'variant',
      'boot idle',
      'after searches',
      `+${IDLE_S} s idle`,
      'restarted, idle',
      'restarted, after zh + en search',
      'Δ vs embedded (boot / end)',
    ],
  ];
  for (const { variant, samples } of results) {
    const [a, b, c, d, e] = samples.map((s) => s.treeRssKb);
    rows.push([
      variant.what,
      mb(a!),
      mb(b!),
      mb(c!),
      mb(d!),
      mb(e!),
      base && variant.name !== 'embedded'
        ? `${signed(a! - base[0]!.treeRssKb)} / ${signed(c! - base[2]!.treeRssKb)}`
        : '',
    ]);
  }
  printTable(rows);
}

async function measureVariant(variant: Variant): Promise<Sample[]> {
  topPrinted = false;
  const dataDir = mkdtempSync(join(tmpdir(), 'vitrine-bench-memory-'));
  const db = variant.postgres ? await createTestDatabase('bench_memory') : undefined;
  let api: Api | undefined;
  try {
    api = await startApi(dataDir, db, variant);
    console.log(`[${variant.name}] pid ${api.pid}, indexed in ${api.bootSeconds.toFixed(1)} s`);
    const samples: Sample[] = [];
    await sleep(SETTLE_MS);
    samples.push(await sample(api, 'boot idle'));
    const r = await autocannon({
      url: api.url,
      connections: CONCURRENCY,
      amount: SEARCHES,
      requests: queries.map((query) => ({
        method: 'POST',
        path: '/v1/search/text',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, limit: 20 }),
      })),
    });
    const failed = r.non2xx + r.errors + r.timeouts;
    console.log(
      `[${variant.name}] ${SEARCHES} searches: ${r.requests.average.toFixed(0)} req/s, p50 ${r.latency.p50} ms, ` +
        `p99 ${r.latency.p99} ms, failed ${failed}`,
    );
    // Memory is what is measured here: a search that timed out on a loaded machine is reported, not fatal.
    if (failed > 0) console.log(`[${variant.name}] ${failed} searches failed (${r.timeouts} timed out)`);
    samples.push(await sample(api, 'after searches'));
    await sleep(IDLE_S * 1000);
    samples.push(await sample(api, `+${IDLE_S} s idle`));
    await api.stop();
    api = await startApi(dataDir, db, variant);
    console.log(`[${variant.name}] restarted: pid ${api.pid}, ready in ${api.bootSeconds.toFixed(1)} s`);
    await sleep(SETTLE_MS);
    samples.push(await sample(api, 'restarted, idle'));
    for (const query of LANGUAGE_PROBES) {
      const res = await fetch(`${api.url}/v1/search/text`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, limit: 20 }),
      });
      if (!res.ok) throw new Error(`search "${query}" answered ${res.status}`);
    }
    await sleep(SETTLE_MS);
    samples.push(await sample(api, 'restarted, zh + en search'));
    return samples;
  } finally {
    await api?.stop();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function sample(api: Api, phase: string): Promise<Sample> {
  const tree = [api.pid, ...descendants(api.pid)];
  const rss = (pid: number): number => Number(/^VmRSS:\s+(\d+) kB/m.exec(status(pid))?.[1] ?? 0);
  const threads = Number(/^Threads:\s+(\d+)/m.exec(status(api.pid))?.[1] ?? 0);
  const metrics = await (await fetch(`${api.url}/metrics`)).text();
  const gauge = (name: string): number =>
    Math.round(Number(new RegExp(`^vitrine_${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN) / 1024);
  return {
    phase,
    rssKb: rss(api.pid),
    treeRssKb: tree.reduce((sum, pid) => sum + rss(pid), 0),
    processes: tree.length,
    threads,
    groups: smapsGroups(api.pid),
    v8: {
      usedKb: gauge('nodejs_heap_size_used_bytes'),
      totalKb: gauge('nodejs_heap_size_total_bytes'),
      externalKb: gauge('nodejs_external_memory_bytes'),
    },
  };
}

const status = (pid: number): string => readFileSync(`/proc/${pid}/status`, 'utf8');

/** Every process below `pid` (threads are not processes: they share its memory and its VmRSS). */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const [child, pp] of parent)
      if (pp === p) {
        out.push(child);
        walk(child);
      }
  };
  walk(pid);
  return out;
}

const GiB = 1024 * 1024; // in kB
const MiB64 = 64 * 1024; // in kB

/**
 * The process's resident memory by what holds it, from /proc/<pid>/smaps. File mappings are named by their
 * library. The kernel cannot label anonymous memory, so it is grouped by its shape, a heuristic checked against
 * the variants (`--top N` prints the largest mappings): PGlite's WebAssembly memory starts at 128 MiB (its
 * `initialMemory`) and is the only anonymous mapping between 128 MiB and 1 GiB (it is gone with PostgreSQL, and
 * shrinks with a smaller `shared_buffers`); glibc's per-thread malloc arenas are heaps of at most 64 MiB placed on
 * 64 MiB boundaries, so a smaller anonymous mapping that starts on such a boundary is counted as arena memory;
 * an anonymous mapping of 1 GiB or more with pages resident is mimalloc's arena (the allocator @node-rs/jieba's
 * Rust code brings): jieba's dictionary, about 30 MiB from the first CJK text the process cuts (V8's and wasm's
 * reservations of that size are guard regions, never resident); the rest is V8's heaps of
 * every thread (main, two onnxruntime workers, PGlite's worker), compiled code, thread stacks and native
 * allocations that malloc serves by mmap.
 */
function smapsGroups(pid: number): Map<string, number> {
  const lines = readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n');
  interface Mapping {
    start: bigint;
    end: bigint;
    perms: string;
    path: string;
    rss: number;
  }
  const maps: Mapping[] = [];
  for (const line of lines) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      maps.push({
        start: BigInt(`0x${head[1]!}`),
        end: BigInt(`0x${head[2]!}`),
        perms: head[3]!,
        path: head[4]!.trim(),
        rss: 0,
      });
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && maps.length) maps[maps.length - 1]!.rss = Number(rss[1]);
  }
  const groups = new Map<string, number>();
  const add = (g: string, kb: number): void => void groups.set(g, (groups.get(g) ?? 0) + kb);
  const sizeKb = (m: Mapping): number => Number((m.end - m.start) / 1024n);
  for (let i = 0; i < maps.length; i++) {
    const m = maps[i]!;
    const p = m.path;
    if (p === '[heap]') add('malloc main arena ([heap])', m.rss);
    else if (p === '[stack]') add('main thread stack', m.rss);
    else if (p.startsWith('[')) add(`kernel (${p})`, m.rss);
    else if (p.startsWith('/')) {
      const file = basename(p);
      if (/onnxruntime/.test(p)) add('onnxruntime (.so, binding)', m.rss);
      else if (/sharp|vips/.test(p)) add('sharp / libvips (.so)', m.rss);
      else if (p === process.execPath || file === 'node') add('node binary', m.rss);
      else if (/\.node$|\.so(\.\d+)*$/.test(file)) add('other shared libraries', m.rss);
      else add(`other files`, m.rss);
    } else {
      // Anonymous.
      if (sizeKb(m) >= GiB) add('jieba dictionary (Rust allocator arena, ≥ 1 GiB mapping)', m.rss);
      else if (sizeKb(m) >= 128 * 1024) add('PGlite WebAssembly memory (≥ 128 MiB mapping)', m.rss);
      else if (m.start % BigInt(MiB64 * 1024) === 0n) add('malloc thread arenas (64 MiB-aligned)', m.rss);
      else add('other anonymous (V8 heaps, stacks, mmap’d native buffers)', m.rss);
    }
  }
  if (TOP > 0 && !topPrinted) {
    topPrinted = true;
    console.log(`largest ${TOP} mappings by RSS (kB: size, rss, perms, path or anonymous):`);
    for (const m of [...maps].sort((a, b) => b.rss - a.rss).slice(0, TOP))
      console.log(`  ${m.start.toString(16)} ${sizeKb(m)} ${m.rss} ${m.perms} ${m.path || '(anon)'}`);
  }
  return groups;
}
let topPrinted = false;

interface Api {
  readonly url: string;
  readonly pid: number;
  readonly bootSeconds: number;
  stop(): Promise<void>;
}

async function startApi(dataDir: string, db: TestDatabase | undefined, variant: Variant): Promise<Api> {
  const port = String(30_000 + Math.floor(Math.random() * 20_000));
  const child: ChildProcess = spawn(process.execPath, [...(variant.nodeArgs ?? []), variant.main ?? MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      PORT: port,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      SEED_DEMO_CATALOG: 'true',
      RATE_LIMIT_PER_MINUTE: '0',
      ...(db ? { DATABASE_URL: db.url } : {}),
      ...variant.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const pid = child.pid!;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(pid, 'SIGTERM');
    const timer = setTimeout(() => child.exitCode === null && process.kill(pid, 'SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  try {
    await Promise.race([
      waitForIndexed(url),
      exited.then((code) => {
        throw new Error(`API exited with ${code} before it was indexed`);
      }),
    ]);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, pid, bootSeconds: (Date.now() - started) / 1000, stop };
}

/**
 * Polls /metrics until the demo catalog is in the index and the indexing queue (with its follow-up jobs) has
 * nothing waiting, active or delayed.
 */
async function waitForIndexed(url: string): Promise<void> {
  const open = /^vitrine_indexing_queue_jobs\{state="(?:waiting|active|delayed)"\} (\d+)$/gm;
  const notYet = /^vitrine_index_products\{state="(?:missing|pending)"\} (\d+)$/gm;
  const indexed = /^vitrine_index_products\{state="indexed"\} (\d+)$/m;
  const outbox = /^vitrine_index_outbox_pending (\d+)$/m;
  const sum = (text: string, re: RegExp): number =>
    [...text.matchAll(re)].reduce((total, m) => total + Number(m[1]), 0);
  for (;;) {
    await sleep(500);
    let text: string;
    try {
      text = await (await fetch(`${url}/metrics`)).text();
    } catch {
      continue; // not listening yet
    }
    if (
      Number(indexed.exec(text)?.[1] ?? 0) > 0 &&
      sum(text, notYet) === 0 &&
      sum(text, open) === 0 &&
      Number(outbox.exec(text)?.[1] ?? 1) === 0
    )
      return;
  }
}

/**
 * One API (the last chosen variant) for SOAK_S seconds: bursts of searches at the chosen concurrency (30 s) and
 * pauses (30 s) in turn, a sample after each. Prints every sample, then the first and last third's highest RSS:
 * memory that grows without bound keeps rising from third to third; memory a cache or a heap settles into does not.
 */
async function soak(variant: Variant): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vitrine-bench-memory-'));
  const db = variant.postgres ? await createTestDatabase('bench_memory') : undefined;
  let api: Api | undefined;
  try {
    api = await startApi(dataDir, db, variant);
    console.log(`[soak ${variant.name}] pid ${api.pid}, indexed in ${api.bootSeconds.toFixed(1)} s`);
    await sleep(SETTLE_MS);
    const started = Date.now();
    const rows: string[][] = [
      [
        't (s)',
        'phase',
        'searches',
        'RSS',
        'PGlite wasm',
        'malloc arenas + [heap]',
        'other anon',
        'main heap used',
      ],
    ];
    const series: number[] = [];
    let searches = 0;
    const record = async (phase: string): Promise<void> => {
      const s = await sample(api!, phase);
      series.push(s.treeRssKb);
      const g = (re: RegExp): number => [...s.groups].reduce((t, [k, v]) => (re.test(k) ? t + v : t), 0);
      rows.push([
        ((Date.now() - started) / 1000).toFixed(0),
        phase,
        String(searches),
        mb(s.treeRssKb),
        mb(g(/PGlite/)),
        mb(g(/malloc/)),
        mb(g(/^other anonymous/)),
        mb(s.v8.usedKb),
      ]);
      console.log(`| ${rows[rows.length - 1]!.join(' | ')} |`);
    };
    await record('idle');
    for (let burst = 0; Date.now() - started < SOAK_S * 1000; burst++) {
      const r = await autocannon({
        url: api.url,
        connections: CONCURRENCY,
        duration: 30,
        requests: queries.map((query, i) => ({
          method: 'POST',
          path: '/v1/search/text',
          headers: { 'content-type': 'application/json' },
          // A fresh text per burst, so the query-embedding cache keeps meeting new entries.
          body: JSON.stringify({ query: `${query} ${burst}-${i}`, limit: 20 }),
        })),
      });
      const failed = r.non2xx + r.errors + r.timeouts;
      if (failed > 0) console.log(`burst ${burst}: ${failed} searches failed (${r.timeouts} timed out)`);
      searches += r.requests.total;
      await record('after burst');
      await sleep(30_000);
      await record('paused 30 s');
    }
    console.log(`\nsoak: ${variant.what}, ${SOAK_S} s, ${searches} searches\n`);
    printTable(rows);
    const third = Math.max(1, Math.floor(series.length / 3));
    const peak = (xs: number[]): number => Math.max(...xs);
    console.log(
      `\nhighest RSS, first third ${mb(peak(series.slice(0, third)))} MiB, middle ` +
        `${mb(peak(series.slice(third, series.length - third)))} MiB, last third ${mb(peak(series.slice(-third)))} MiB`,
    );
  } finally {
    await api?.stop();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function printGroups(variant: Variant, samples: Sample[]): void {
  const names = [...new Set(samples.flatMap((s) => [...s.groups.keys()]))].sort(
    (a, b) => (samples[0]!.groups.get(b) ?? 0) - (samples[0]!.groups.get(a) ?? 0),
  );
  console.log(`\n${variant.what}: RSS by mapping (MiB)\n`);
  const rows: string[][] = [['mapping', ...samples.map((s) => s.phase)]];
  for (const n of names)
    if (samples.some((s) => (s.groups.get(n) ?? 0) >= 512))
      rows.push([n, ...samples.map((s) => mb(s.groups.get(n) ?? 0))]);
  rows.push(['**VmRSS (API process)**', ...samples.map((s) => mb(s.rssKb))]);
  rows.push(['processes / threads', ...samples.map((s) => `${s.processes} / ${s.threads}`)]);
  rows.push(['main V8 heap used / total', ...samples.map((s) => `${mb(s.v8.usedKb)} / ${mb(s.v8.totalKb)}`)]);
  rows.push(['main V8 external (Buffers etc.)', ...samples.map((s) => mb(s.v8.externalKb))]);
  printTable(rows);
}

const mb = (kb: number): string => (kb / 1024).toFixed(0);
const signed = (kb: number): string => `${kb >= 0 ? '+' : '−'}${mb(Math.abs(kb))}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  rows.forEach((r, i) => {
    console.log(
      `| ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`,
    );
    if (i === 0)
      console.log(`|${widths.map((w, c) => '-'.repeat(w + 1) + (c === 0 ? '-' : ':')).join('|')}|`);
  });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
