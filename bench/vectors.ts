// `npm run bench:vectors`: the embedded vector store on 100 000 x 512 vectors, one thread. Prints latency
// percentiles, CPU per query, recall@10 against exact search, load time and memory, unfiltered and filtered
// (5 % and 50 % selectivity), on clustered data (1 000 gaussian clusters, like embeddings) and on unclustered data
// (independent random unit vectors: the worst case for any approximate search). Candidates side by side on the
// same data in one run: the store with its int8 scan (usearch SIMD kernels, the default), the store with the
// earlier prescan index, exact search, and an HNSW graph (usearch `Index`, int8, M=16) at several `ef`.
// Env: BENCH_N, BENCH_DIM, BENCH_QUERIES, BENCH_DATASETS, BENCH_HNSW_EF (64,256,1024; empty skips the graph),
// BENCH_SCANS (int8,prescan): store candidates, `int8` or `prescan` with options after dashes: `-memory` (float32 rows
// in memory whatever their size), `-file` (in a file whatever their size; default: a file past 512 MiB of them,
// `floatMemoryBytes`), `-2t` (usearch threads). For 1 M rows through the store: `BENCH_N=1000000 BENCH_QUERIES=30
// BENCH_HNSW_EF= BENCH_SCANS=int8,int8-memory npm run bench:vectors` (RSS peaks are VmHWM, reset before each load;
// the process also holds what filling the store left, so BENCH_KEEP=1 keeps the store for bench/support/vectors-open.ts
// to load in a fresh process). BENCH_RAW=1 skips the store (for 1 M rows: `BENCH_RAW=1 BENCH_N=1000000 BENCH_QUERIES=50
// BENCH_HNSW_EF= npm run bench:vectors`) and measures the int8 scan on the vectors alone, the codes' memory beside it.
import * as fsSync from 'node:fs';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exactSearch, Index, MetricKind, ScalarKind } from 'usearch';
import { EmbeddedVectorStore, Prng, type PointInput, type VectorFilter } from '@vitrine/vectors';

const N = Number(process.env.BENCH_N ?? 100_000);
const DIM = Number(process.env.BENCH_DIM ?? 512);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);
const DATASETS = (process.env.BENCH_DATASETS ?? 'clustered,unclustered').split(',');
const SCANS = (process.env.BENCH_SCANS ?? 'int8,prescan').split(',');
const HNSW_EF = (process.env.BENCH_HNSW_EF ?? '64,256,1024').split(',').filter(Boolean).map(Number);
const RAW = process.env.BENCH_RAW === '1';
/** Keep the filled store's directory, for `bench/support/vectors-open.ts` to load in a fresh process. */
const KEEP = process.env.BENCH_KEEP === '1';
const PREFIX = Number(process.env.BENCH_PREFIX ?? 128);
const PREFIX_CANDIDATES = Number(process.env.BENCH_PREFIX_CANDIDATES ?? 4096);
const CLUSTERS = 1000;
const K = 10;
const CATEGORIES = 20; // one category = 5 % of the points

type Sampler = () => Float32Array;

/** A pool of standard normals reused at random offsets: generating 51 M fresh ones would dominate the run. */
function gaussianPool(rng: Prng, size: number): Float32Array {
  return Float32Array.from({ length: size }, () => rng.gaussian());
}

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) ** 2;
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) * inv;
  return v;
}

function sampler(kind: string, rng: Prng): Sampler {
  const pool = gaussianPool(rng, 1 << 20);
  const noise = (scale: number, into: Float32Array) => {
    const at = rng.int(pool.length - DIM);
    for (let j = 0; j < DIM; j++) into[j] = (into[j] as number) + scale * (pool[at + j] as number);
    return into;
  };
  if (kind === 'unclustered') return () => unit(noise(1, new Float32Array(DIM)));
  // Points sit around their cluster centre with about as much spread as signal (cosine to the centre ~0.7).
  const centres = Array.from({ length: CLUSTERS }, () => unit(noise(1, new Float32Array(DIM))));
  return () => unit(noise(1 / Math.sqrt(DIM), Float32Array.from(centres[rng.int(CLUSTERS)] as Float32Array)));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const ms = (x: number) => x.toFixed(2).padStart(7);

function uuid(i: number): string {
  return `${(i >>> 0).toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
}

/** Writes N points in batches of 1 000 with `wait`, then closes; returns the time taken. */
async function fill(dir: string, sample: Sampler, rng: Prng, keep: Float32Array): Promise<number> {
  const store = await EmbeddedVectorStore.open(dir);
  await store.ensureCollection({ name: 'bench', dim: DIM, vectors: ['image'] });
  const t = performance.now();
  for (let i = 0; i < N; i += 1000) {
    const batch: PointInput[] = [];
    for (let j = i; j < Math.min(N, i + 1000); j++) {
      const v = sample();
      if (keep.length) keep.set(v, j * DIM);
      batch.push({
        id: uuid(j),
        vectors: { image: v },
        payload: {
          category: `c${rng.int(CATEGORIES)}`,
          inStock: rng.next() < 0.5,
          price: rng.int(100_000) / 100,
        },
      });
    }
    await store.upsert('bench', batch, { wait: true });
  }
  const took = performance.now() - t;
  await store.close();
  return took;
}

interface Row {
  readonly times: number[];
  readonly cpuMs: number;
  readonly recall: number;
}

function line(name: string, query: string, r: Row): string {
  r.times.sort((a, b) => a - b);
  return (
    `  ${name.padEnd(25)} ${query.padEnd(13)} ${ms(percentile(r.times, 0.5))}  ${ms(percentile(r.times, 0.95))}  ` +
    `${ms(percentile(r.times, 0.99))}  ${ms(r.cpuMs)}  ${r.recall.toFixed(4).padStart(9)}`
  );
}

const FILTERS: [string, VectorFilter | undefined][] = [
  ['unfiltered', undefined],
  ['filtered 5%', { category: 'c7' }],
  ['filtered 50%', { inStock: true }],
];

/** Times `search` over the queries: wall per query, CPU per query (process.cpuUsage), recall against `truth`. */
async function measure(
  queries: readonly Float32Array[],
  truth: readonly Set<string>[] | undefined,
  search: (q: Float32Array) => Promise<readonly string[]> | readonly string[],
): Promise<Row> {
  const times: number[] = [];
  let found = 0;
  const cpu = process.cpuUsage();
  for (const [i, q] of queries.entries()) {
    const s = performance.now();
    const ids = await search(q);
    times.push(performance.now() - s);
    if (truth) found += ids.filter((id) => truth[i]!.has(id)).length;
  }
  const used = process.cpuUsage(cpu);
  return {
    times,
    cpuMs: (used.user + used.system) / 1000 / queries.length,
    recall: truth ? found / (K * queries.length) : 1,
  };
}

async function run(kind: string): Promise<void> {
  const rng = new Prng(kind === 'clustered' ? 1 : 2);
  const sample = sampler(kind, rng);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitrine-bench-vectors-'));
  // Only the graph needs the bench's own copy: without it the RSS figures are the store's.
  const all = new Float32Array(HNSW_EF.length ? N * DIM : 0);
  try {
    const ingest = await fill(dir, sample, rng, all);
    const queries = Array.from({ length: QUERIES }, sample);
    console.log(
      `\n${kind}: ${N.toLocaleString('en')} x ${DIM} (ingest ${(ingest / 1000).toFixed(1)} s, ` +
        `${Math.round(N / (ingest / 1000)).toLocaleString('en')} points/s with wait; load ${os.loadavg()[0]?.toFixed(2)})`,
    );
    console.log(
      `  ${'candidate'.padEnd(25)} ${'query'.padEnd(13)}     p50      p95      p99  CPU/query  recall@10  (ms)`,
    );
    const truths = new Map<string, Set<string>[]>();
    for (const [i, scan] of SCANS.entries()) {
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      resetPeakRss();
      const [kindOfScan, ...opts] = scan.split('-');
      const tuning = {
        scan: kindOfScan === 'prescan' ? ('prescan' as const) : ('int8' as const),
        ...(opts.includes('memory') ? { floatMemoryBytes: Infinity } : {}),
        ...(opts.includes('file') ? { floatMemoryBytes: 0 } : {}),
        ...(opts.includes('2t') ? { int8Threads: 2 } : {}),
      };
      const t = performance.now();
      const cpuLoad = process.cpuUsage();
      const store = await EmbeddedVectorStore.open(dir, { tuning });
      await store.count('bench'); // loads the collection and builds its scan codes
      const load = performance.now() - t;
      const loadCpu = process.cpuUsage(cpuLoad);
      const peak = peakRss();
      global.gc?.();
      const mem = process.memoryUsage();
      console.log(
        `  store, ${scan}: load ${(load / 1000).toFixed(2)} s (${((loadCpu.user + loadCpu.system) / 1e6).toFixed(1)} ` +
          `CPU-s), RSS ${mb(mem.rss)} after it (${mb(rssBefore)} before), peak ${mb(peak)} while loading, ` +
          `${mb(mem.arrayBuffers)} typed arrays (bench's own copy: ${mb(all.byteLength)}; load ${os.loadavg()[0]?.toFixed(2)})`,
      );
      for (const [name, filter] of FILTERS) {
        if (i === 0) {
          // The exact hits are the truth every candidate is checked against.
          const sets: Set<string>[] = [];
          const exact = await measure(queries, undefined, async (q) => {
            const hits = await store.search('bench', {
              vector: 'image',
              query: q,
              limit: K,
              filter,
              exact: true,
            });
            sets.push(new Set(hits.map((h) => h.id)));
            return [];
          });
          truths.set(name, sets);
          console.log(line('exact (JS scan)', name, exact));
        }
        const row = await measure(queries, truths.get(name), async (q) =>
          (await store.search('bench', { vector: 'image', query: q, limit: K, filter })).map((h) => h.id),
        );
        console.log(line(`store, ${scan}`, name, row));
      }
      await store.close();
    }
    if (HNSW_EF.length) await hnsw(all, queries, truths.get('unfiltered'));
  } finally {
    if (KEEP)
      console.log(
        `  store kept in ${dir} (load it alone: node --expose-gc -r @swc-node/register bench/support/vectors-open.ts ${dir})`,
      );
    else await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * The graph candidate on the same vectors: usearch's HNSW over int8 codes (M=16, ef_construction=128), the
 * candidates rescored exactly like the store does. Unfiltered only: usearch's JS API has no filter callback.
 */
async function hnsw(
  all: Float32Array,
  queries: readonly Float32Array[],
  truth: readonly Set<string>[] | undefined,
): Promise<void> {
  const scale = 127 / (4 / Math.sqrt(DIM));
  const code = (v: Float32Array) =>
    Int8Array.from(v, (x) => Math.max(-127, Math.min(127, Math.round(x * scale))));
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const index = new Index({
    dimensions: DIM,
    metric: MetricKind.IP,
    quantization: ScalarKind.I8,
    connectivity: 16,
    expansion_add: 128,
    expansion_search: 16,
    multi: false,
  });
  const t = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < N; i += 1000) {
    const n = Math.min(1000, N - i);
    const keys = BigUint64Array.from({ length: n }, (_, j) => BigInt(i + j));
    index.add(keys, code(all.subarray(i * DIM, (i + n) * DIM)), 0);
  }
  const used = process.cpuUsage(cpu);
  global.gc?.();
  console.log(
    `  hnsw (usearch, int8): build ${((performance.now() - t) / 1000).toFixed(1)} s, ` +
      `${((used.user + used.system) / 1e6).toFixed(0)} CPU-s on ${os.cpus().length} threads, ` +
      `process RSS ${mb(rssBefore)} before, ${mb(process.memoryUsage().rss)} after`,
  );
  const dot = (r: number, q: Float32Array) => {
    let d = 0;
    for (let j = 0; j < DIM; j++) d += (all[r * DIM + j] as number) * (q[j] as number);
    return d;
  };
  for (const ef of HNSW_EF) {
    const row = await measure(queries, truth, (q) => {
      const m = index.search(code(q), ef, 1);
      const rows = Array.from(m.keys, (k) => Number(k)).filter((r) => r < N);
      return rows
        .map((r) => ({ r, s: dot(r, q) }))
        .sort((a, b) => b.s - a.s)
        .slice(0, K)
        .map((h) => uuid(h.r));
    });
    console.log(line(`hnsw ef=${ef}`, 'unfiltered', row));
  }
}

/**
 * The int8 scan without the store, as the store runs it (codes of every coordinate, usearch's `exactSearch`, the
 * best max(64, 2 x 10) rescored from float32), against a JS exact scan: for sizes where filling a store through its
 * log would take the run's time. Side by side on the same vectors and queries:
 * - one and two threads (`threads` of `exactSearch`);
 * - a cheaper first pass: int8 codes of only the first `BENCH_PREFIX` (128) coordinates (a quarter of the bytes) take
 *   the best `BENCH_PREFIX_CANDIDATES` (4096) rows, whose full int8 codes pick the 64 rescored from float32. The
 *   bench's vectors have i.i.d. gaussian coordinates (centres too), so a prefix is distributed like the first
 *   coordinates after the store's random rotation;
 * - rescoring from a file instead of memory: the float32 rows written to a temporary file and the 64 candidates read
 *   back with positional reads (through the page cache), so the process holds only the codes (RSS printed with the
 *   float32 copy dropped).
 * Truth and in-memory rescoring read the bench's float32 copy.
 */
async function raw(kind: string): Promise<void> {
  const rng = new Prng(kind === 'clustered' ? 1 : 2);
  const sample = sampler(kind, rng);
  const t0 = performance.now();
  let all: Float32Array | undefined = new Float32Array(N * DIM);
  for (let i = 0; i < N; i++) all.set(sample(), i * DIM);
  const queries = Array.from({ length: QUERIES }, sample);
  const generated = performance.now() - t0;
  const dotIn = (data: Float32Array, off: number, q: Float32Array) => {
    let d = 0;
    for (let j = 0; j < DIM; j++) d += (data[off + j] as number) * (q[j] as number);
    return d;
  };
  // Read through `all` (not a second reference), so that dropping it below frees the float32 copy.
  const floats = () => all as Float32Array;
  const best = (rows: Iterable<number>, q: Float32Array) =>
    [...rows]
      .map((r) => ({ r, s: dotIn(floats(), r * DIM, q) }))
      .sort((a, b) => b.s - a.s)
      .slice(0, K)
      .map((h) => uuid(h.r));
  const truth: Set<string>[] = [];
  const exact = await measure(queries, undefined, (q) => {
    const heap: { r: number; s: number }[] = [];
    let floor = -Infinity;
    const data = floats();
    for (let r = 0; r < N; r++) {
      const s = dotIn(data, r * DIM, q);
      if (s <= floor) continue;
      heap.push({ r, s });
      if (heap.length > K) {
        heap.sort((a, b) => b.s - a.s).pop();
        floor = heap[heap.length - 1]!.s;
      }
    }
    truth.push(new Set(heap.map((h) => uuid(h.r))));
    return [];
  });
  global.gc?.();
  const scale = 127 / (4 / Math.sqrt(DIM));
  const toCode = (x: number) => Math.max(-127, Math.min(127, Math.round(x * scale)));
  const t1 = performance.now();
  const codes = new Int8Array(all.length); // Int8Array.from(all, f) would go through a JS array of every value
  for (let i = 0; i < all.length; i++) codes[i] = toCode(all[i] as number);
  const encoded = performance.now() - t1;
  const code = (v: Float32Array) => Int8Array.from(v, toCode);
  console.log(
    `\n${kind}, vectors alone: ${N.toLocaleString('en')} x ${DIM} (generated in ${(generated / 1000).toFixed(1)} s, ` +
      `int8 codes built in ${(encoded / 1000).toFixed(1)} s); int8 codes ${mb(codes.byteLength)}, ` +
      `process RSS ${mb(process.memoryUsage().rss)} of which the bench's float32 copy is ${mb(all.byteLength)} (load ${os.loadavg()[0]?.toFixed(2)})`,
  );
  console.log(
    `  ${'candidate'.padEnd(25)} ${'query'.padEnd(13)}     p50      p95      p99  CPU/query  recall@10  (ms)`,
  );
  console.log(line('exact (JS scan)', 'unfiltered', exact));
  for (const threads of [1, 2]) {
    const row = await measure(queries, truth, (q) => {
      const m = exactSearch(codes, code(q), DIM, 64, MetricKind.IP, threads);
      return best(
        Array.from(m.keys, (k) => Number(k)),
        q,
      );
    });
    console.log(line(`int8 scan, ${threads} thread${threads > 1 ? 's' : ''}`, 'unfiltered', row));
  }
  // A first pass over a quarter of the bytes, then the full codes of its candidates.
  const prefix = new Int8Array(N * PREFIX); // its own buffer: usearch ignores a view's byteOffset
  for (let r = 0; r < N; r++) prefix.set(codes.subarray(r * DIM, r * DIM + PREFIX), r * PREFIX);
  const gathered = new Int8Array(PREFIX_CANDIDATES * DIM);
  const twoStage = (q: Float32Array) => {
    const qc = code(q);
    const first = exactSearch(
      prefix,
      qc.subarray(0, PREFIX).slice(),
      PREFIX,
      PREFIX_CANDIDATES,
      MetricKind.IP,
      1,
    );
    const rows = Array.from(first.keys, (k) => Number(k));
    for (const [i, r] of rows.entries()) gathered.set(codes.subarray(r * DIM, r * DIM + DIM), i * DIM);
    const second = exactSearch(gathered, qc, DIM, 64, MetricKind.IP, 1);
    return Array.from(second.keys, (k) => rows[Number(k)] as number);
  };
  const prefixOnly = await measure(queries, undefined, (q) => {
    exactSearch(prefix, code(q).subarray(0, PREFIX).slice(), PREFIX, PREFIX_CANDIDATES, MetricKind.IP, 1);
    return [];
  });
  console.log(line(`int8 ${PREFIX}-dim pass alone`, 'unfiltered', prefixOnly));
  const staged = await measure(queries, truth, (q) => best(twoStage(q), q));
  console.log(line(`${PREFIX}-dim → ${PREFIX_CANDIDATES} → 64`, 'unfiltered', staged));
  // Rescoring from a file: the process keeps the codes only.
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitrine-bench-f32-'));
  const file = path.join(dir, 'rows.f32');
  try {
    const handle = await fs.open(file, 'w');
    const chunk = 65_536 * DIM;
    for (let off = 0; off < all.length; off += chunk) {
      const part = all.subarray(off, Math.min(all.length, off + chunk));
      await handle.write(new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
    }
    await handle.close();
    all = undefined;
    global.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 100));
    global.gc?.();
    const dropped = process.memoryUsage();
    const fd = fsSync.openSync(file, 'r');
    const row = Buffer.alloc(DIM * 4);
    const rowView = new Float32Array(row.buffer, row.byteOffset, DIM);
    try {
      const fromFile = await measure(queries, truth, (q) => {
        const m = exactSearch(codes, code(q), DIM, 64, MetricKind.IP, 1);
        const hits: { r: number; s: number }[] = [];
        for (const key of m.keys) {
          const r = Number(key);
          fsSync.readSync(fd, row, 0, row.length, r * DIM * 4);
          hits.push({ r, s: dotIn(rowView, 0, q) });
        }
        return hits
          .sort((a, b) => b.s - a.s)
          .slice(0, K)
          .map((h) => uuid(h.r));
      });
      console.log(line('int8 scan, f32 from file', 'unfiltered', fromFile));
      console.log(
        `  float32 copy dropped: process RSS ${mb(dropped.rss)} (${mb(dropped.arrayBuffers)} typed arrays: int8 codes, ` +
          `the ${PREFIX}-dim codes and the candidates' buffer), peak ${mb(peakRss())} (load ${os.loadavg()[0]?.toFixed(2)})`,
      );
    } finally {
      fsSync.closeSync(fd);
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Resets the peak resident set (VmHWM) to the current one, where the kernel allows it. */
function resetPeakRss(): void {
  try {
    fsSync.writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // Not Linux, or not allowed: the peak stays the process's since it started.
  }
}

/** Peak resident set of this process so far (VmHWM), in bytes. */
function peakRss(): number {
  const status = fsSync.readFileSync('/proc/self/status', 'utf8');
  const kb = /VmHWM:\s+(\d+)/.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : process.resourceUsage().maxRSS * 1024;
}

async function main(): Promise<void> {
  console.log(
    `bench:vectors — embedded store, ${N.toLocaleString('en')} x ${DIM}, top-${K}, ${QUERIES} queries, one thread, ` +
      `node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores, load ${os.loadavg()[0]?.toFixed(2)})`,
  );
  for (const kind of DATASETS) {
    if (RAW) await raw(kind);
    else await run(kind);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
