// `npm run bench:vectors`: the embedded vector store on 100 000 x 512 vectors, one thread. Prints latency
// percentiles, recall@10 against exact search, load time and memory, unfiltered and filtered (5 % and 50 %
// selectivity), on clustered data (1 000 gaussian clusters, like embeddings) and on unclustered data (the
// worst case for any approximate search). Env: BENCH_N, BENCH_DIM, BENCH_QUERIES, BENCH_DATASETS.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EmbeddedVectorStore, Prng, type PointInput, type VectorFilter } from '@vitrine/vectors';

const N = Number(process.env.BENCH_N ?? 100_000);
const DIM = Number(process.env.BENCH_DIM ?? 512);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);
const DATASETS = (process.env.BENCH_DATASETS ?? 'clustered,unclustered').split(',');
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
async function fill(dir: string, sample: Sampler, rng: Prng): Promise<number> {
  const store = await EmbeddedVectorStore.open(dir);
  await store.ensureCollection({ name: 'bench', dim: DIM, vectors: ['image'] });
  const t = performance.now();
  for (let i = 0; i < N; i += 1000) {
    const batch: PointInput[] = [];
    for (let j = i; j < Math.min(N, i + 1000); j++) {
      batch.push({
        id: uuid(j),
        vectors: { image: sample() },
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

async function run(kind: string): Promise<void> {
  const rng = new Prng(kind === 'clustered' ? 1 : 2);
  const sample = sampler(kind, rng);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitrine-bench-vectors-'));
  try {
    const ingest = await fill(dir, sample, rng);
    global.gc?.();
    const t = performance.now();
    const store = await EmbeddedVectorStore.open(dir);
    const count = await store.count('bench'); // loads the collection and builds its prescan codes
    const load = performance.now() - t;
    global.gc?.();
    // The writer is gone, so the process's typed arrays are the loaded collection's.
    const mem = process.memoryUsage();

    const queries = Array.from({ length: QUERIES }, sample);
    const filters: [string, VectorFilter | undefined][] = [
      ['unfiltered', undefined],
      ['filtered 5%', { category: 'c7' }],
      ['filtered 50%', { inStock: true }],
    ];
    console.log(
      `\n${kind}: ${count.toLocaleString('en')} x ${DIM} (ingest ${(ingest / 1000).toFixed(1)} s, ` +
        `${Math.round(N / (ingest / 1000)).toLocaleString('en')} points/s with wait; load ${(load / 1000).toFixed(2)} s; ` +
        `memory ${mb(mem.arrayBuffers)} typed arrays, ${mb(mem.heapUsed)} JS heap, RSS ${mb(mem.rss)})`,
    );
    console.log(`  ${'query'.padEnd(14)}      p50      p95      p99  recall@10   exact p50`);
    for (const [name, filter] of filters) {
      const times: number[] = [];
      const exactTimes: number[] = [];
      let found = 0;
      for (const q of queries) {
        let s = performance.now();
        const exact = await store.search('bench', {
          vector: 'image',
          query: q,
          limit: K,
          filter,
          exact: true,
        });
        exactTimes.push(performance.now() - s);
        s = performance.now();
        const hits = await store.search('bench', { vector: 'image', query: q, limit: K, filter });
        times.push(performance.now() - s);
        const truth = new Set(exact.map((h) => h.id));
        found += hits.filter((h) => truth.has(h.id)).length;
      }
      times.sort((a, b) => a - b);
      exactTimes.sort((a, b) => a - b);
      console.log(
        `  ${name.padEnd(14)} ${ms(percentile(times, 0.5))}  ${ms(percentile(times, 0.95))}  ${ms(percentile(times, 0.99))}` +
          `  ${(found / (K * queries.length)).toFixed(4).padStart(9)}  ${ms(percentile(exactTimes, 0.5))}   (ms)`,
      );
    }
    await store.close();
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(
    `bench:vectors — embedded store, ${N.toLocaleString('en')} x ${DIM}, top-${K}, ${QUERIES} queries, one thread, ` +
      `node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores, load ${os.loadavg()[0]?.toFixed(2)})`,
  );
  for (const kind of DATASETS) await run(kind);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
