// `npm run bench:vectors`: the embedded vector store on 100 000 x 512 vectors, one thread. Prints latency
// percentiles, CPU per query, recall@10 against exact search, load time and memory, unfiltered and filtered
// (5 % and 50 % selectivity), on clustered data (1 000 gaussian clusters, like embeddings) and on unclustered data
// (independent random unit vectors: the worst case for any approximate search). Candidates side by side on the
// same data in one run: the store with its int8 scan (usearch SIMD kernels, the default), the store with the
// earlier prescan index, exact search, and an HNSW graph (usearch `Index`, int8, M=16) at several `ef`.
// Env: BENCH_N, BENCH_DIM, BENCH_QUERIES, BENCH_DATASETS, BENCH_SCANS (int8,prescan), BENCH_HNSW_EF (64,256,1024;
// empty skips the graph). BENCH_RAW=1 skips the store (for 1 M rows: `BENCH_RAW=1 BENCH_N=1000000 BENCH_QUERIES=50
// BENCH_HNSW_EF= npm run bench:vectors`) and measures the int8 scan on the vectors alone, the codes' memory beside it.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exactSearch, Index, MetricKind, ScalarKind } from 'usearch';
import { EmbeddedVectorStore, Prng, type PointInput, type VectorFilter } from '@vitrine/vectors';

const N = Number(process.env.BENCH_N ?? 100_000);
const DIM = Number(process.env.BENCH_DIM ?? 512);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);
const DATASETS = (process.env.BENCH_DATASETS ?? 'clustered,unclustered').split(',');
const SCANS = (process.env.BENCH_SCANS ?? 'int8,prescan').split(',') as ('int8' | 'prescan')[];
const HNSW_EF = (process.env.BENCH_HNSW_EF ?? '64,256,1024').split(',').filter(Boolean).map(Number);
const RAW = process.env.BENCH_RAW === '1';
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
      keep.set(v, j * DIM);
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
    `  ${name.padEnd(22)} ${query.padEnd(13)} ${ms(percentile(r.times, 0.5))}  ${ms(percentile(r.times, 0.95))}  ` +
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
  const all = new Float32Array(N * DIM);
  try {
    const ingest = await fill(dir, sample, rng, all);
    const queries = Array.from({ length: QUERIES }, sample);
    console.log(
      `\n${kind}: ${N.toLocaleString('en')} x ${DIM} (ingest ${(ingest / 1000).toFixed(1)} s, ` +
        `${Math.round(N / (ingest / 1000)).toLocaleString('en')} points/s with wait; load ${os.loadavg()[0]?.toFixed(2)})`,
    );
    console.log(
      `  ${'candidate'.padEnd(22)} ${'query'.padEnd(13)}     p50      p95      p99  CPU/query  recall@10  (ms)`,
    );
    const truths = new Map<string, Set<string>[]>();
    for (const [i, scan] of SCANS.entries()) {
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      const t = performance.now();
      const store = await EmbeddedVectorStore.open(dir, { tuning: { scan } });
      await store.count('bench'); // loads the collection and builds its scan codes
      const load = performance.now() - t;
      global.gc?.();
      const mem = process.memoryUsage();
      console.log(
        `  store, ${scan} scan: load ${(load / 1000).toFixed(2)} s, RSS ${mb(mem.rss)} (+${mb(mem.rss - rssBefore)} ` +
          `over the bench's own copy of the vectors), ${mb(mem.arrayBuffers)} typed arrays`,
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
        console.log(line(`store, ${scan} scan`, name, row));
      }
      await store.close();
    }
    if (HNSW_EF.length) await hnsw(all, queries, truths.get('unfiltered'));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
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
 * The int8 scan without the store, as the store runs it (codes of every coordinate, usearch's `exactSearch` on one
 * thread, the best max(64, 2 x 10) rescored from float32), against a JS exact scan: for sizes where filling a store
 * through its log would take the run's time. Truth and rescoring read the bench's float32 copy.
 */
async function raw(kind: string): Promise<void> {
  const rng = new Prng(kind === 'clustered' ? 1 : 2);
  const sample = sampler(kind, rng);
  const all = new Float32Array(N * DIM);
  for (let i = 0; i < N; i++) all.set(sample(), i * DIM);
  const queries = Array.from({ length: QUERIES }, sample);
  const dot = (r: number, q: Float32Array) => {
    let d = 0;
    for (let j = 0; j < DIM; j++) d += (all[r * DIM + j] as number) * (q[j] as number);
    return d;
  };
  const best = (rows: Iterable<number>, q: Float32Array) =>
    [...rows]
      .map((r) => ({ r, s: dot(r, q) }))
      .sort((a, b) => b.s - a.s)
      .slice(0, K)
      .map((h) => uuid(h.r));
  const truth: Set<string>[] = [];
  const exact = await measure(queries, undefined, (q) => {
    const heap: { r: number; s: number }[] = [];
    let floor = -Infinity;
    for (let r = 0; r < N; r++) {
      const s = dot(r, q);
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
  const before = process.memoryUsage();
  const scale = 127 / (4 / Math.sqrt(DIM));
  const codes = new Int8Array(all.length); // Int8Array.from(all, f) would go through a JS array of every value
  for (let i = 0; i < all.length; i++)
    codes[i] = Math.max(-127, Math.min(127, Math.round((all[i] as number) * scale)));
  const code = (v: Float32Array) =>
    Int8Array.from(v, (x) => Math.max(-127, Math.min(127, Math.round(x * scale))));
  const after = process.memoryUsage();
  console.log(
    `\n${kind}, vectors alone: ${N.toLocaleString('en')} x ${DIM}; int8 codes ${mb(after.arrayBuffers - before.arrayBuffers)}, ` +
      `process RSS ${mb(after.rss)} of which the bench's float32 copy is ${mb(all.byteLength)} (load ${os.loadavg()[0]?.toFixed(2)})`,
  );
  console.log(
    `  ${'candidate'.padEnd(22)} ${'query'.padEnd(13)}     p50      p95      p99  CPU/query  recall@10  (ms)`,
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
