// Loads a store that `BENCH_KEEP=1 npm run bench:vectors` filled, in a fresh process, and prints what loading it
// costs (wall and CPU time, RSS after it and at its peak) and the CPU per search, unfiltered and filtered (5 %, 50 %),
// on random queries. `node --expose-gc -r @swc-node/register bench/support/vectors-open.ts <dir> [scan]`, scan as in
// BENCH_SCANS (`int8`, `int8-memory`, `int8-file`, `-2t`); BENCH_COMPACT=1 then compacts and prints that peak.
// Recall is the main bench's job (it has the exact answers).
import { readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { EmbeddedVectorStore, Prng, type VectorFilter } from '@vitrine/vectors';

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const vmHwm = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;

async function main(): Promise<void> {
  const [dir, scan = 'int8'] = process.argv.slice(2);
  if (!dir) throw new Error('usage: vectors-open.ts <store dir> [scan]');
  const queries = Number(process.env.BENCH_QUERIES ?? 30);
  const [kind, ...opts] = scan.split('-');
  const tuning = {
    scan: kind === 'prescan' ? ('prescan' as const) : ('int8' as const),
    ...(opts.includes('memory') ? { floatMemoryBytes: Infinity } : {}),
    ...(opts.includes('file') ? { floatMemoryBytes: 0 } : {}),
    ...(opts.includes('2t') ? { int8Threads: 2 } : {}),
  };
  global.gc?.();
  const before = process.memoryUsage().rss;
  const t = performance.now();
  const cpu = process.cpuUsage();
  const store = await EmbeddedVectorStore.open(dir, { tuning });
  const count = await store.count('bench');
  const used = process.cpuUsage(cpu);
  const load = performance.now() - t;
  const peak = vmHwm();
  global.gc?.();
  const mem = process.memoryUsage();
  console.log(
    `${scan}: ${count.toLocaleString('en')} points loaded in ${(load / 1000).toFixed(1)} s ` +
      `(${((used.user + used.system) / 1e6).toFixed(1)} CPU-s); RSS ${mb(before)} before, ${mb(mem.rss)} after, ` +
      `peak ${mb(peak)}; ${mb(mem.arrayBuffers)} typed arrays, heap ${mb(mem.heapUsed)} (load ${os.loadavg()[0]?.toFixed(2)})`,
  );
  const dim = 512;
  const rng = new Prng(99);
  const unit = () => {
    const v = Float32Array.from({ length: dim }, () => rng.gaussian());
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  const filters: [string, VectorFilter | undefined][] = [
    ['unfiltered', undefined],
    ['filtered 5%', { category: 'c7' }],
    ['filtered 50%', { inStock: true }],
  ];
  for (const [name, filter] of filters) {
    const times: number[] = [];
    const c = process.cpuUsage();
    for (let i = 0; i < queries; i++) {
      const q = unit();
      const s = performance.now();
      await store.search('bench', { vector: 'image', query: q, limit: 10, filter });
      times.push(performance.now() - s);
    }
    const u = process.cpuUsage(c);
    times.sort((a, b) => a - b);
    console.log(
      `  ${name.padEnd(13)} p50 ${times[Math.floor(times.length / 2)]?.toFixed(2)} ms, p99 ` +
        `${times[Math.min(times.length - 1, Math.floor(times.length * 0.99))]?.toFixed(2)} ms wall, ` +
        `${((u.user + u.system) / 1000 / queries).toFixed(2)} ms CPU/query`,
    );
  }
  console.log(`  RSS after the searches ${mb(process.memoryUsage().rss)}, peak ${mb(vmHwm())}`);
  if (process.env.BENCH_COMPACT === '1') {
    // Folding the log into a new snapshot: its peak alone (VmHWM reset first, where the kernel allows it).
    try {
      writeFileSync('/proc/self/clear_refs', '5');
    } catch {
      // The peak stays the process's.
    }
    const tc = performance.now();
    const cc = process.cpuUsage();
    await store.compact();
    const uc = process.cpuUsage(cc);
    console.log(
      `  compaction: ${((performance.now() - tc) / 1000).toFixed(1)} s (${((uc.user + uc.system) / 1e6).toFixed(1)} ` +
        `CPU-s), RSS ${mb(process.memoryUsage().rss)} after, peak ${mb(vmHwm())} (load ${os.loadavg()[0]?.toFixed(2)})`,
    );
  }
  await store.close();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
