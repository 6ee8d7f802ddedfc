// Child process of the crash test: writes batches forever and prints each batch number once its upsert
// resolved (wait: true, so it is durable). The test kills it with SIGKILL at an arbitrary moment.
import { EmbeddedVectorStore } from '../embedded/embedded-store';

export const CRASH_BATCH = 200;
export const CRASH_DIM = 64;

/** Deterministic id of point `i` of batch `b`. */
export function crashId(b: number, i: number): string {
  return `${b.toString(16).padStart(8, '0')}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
}

async function main(dir: string): Promise<void> {
  // A small log threshold so that kills also land during compactions.
  const store = await EmbeddedVectorStore.open(dir, {
    compaction: { minLogBytes: 300_000, logToSegmentRatio: 0.5 },
  });
  await store.ensureCollection({ name: 'crash', dim: CRASH_DIM, vectors: ['image'] });
  for (let b = 0; ; b++) {
    const points = Array.from({ length: CRASH_BATCH }, (_, i) => ({
      id: crashId(b, i),
      vectors: {
        image: Float32Array.from({ length: CRASH_DIM }, (_, j) => Math.sin(b * 31 + i * 7 + j) + 1.5),
      },
      payload: { batch: b, i },
    }));
    await store.upsert('crash', points, { wait: true });
    process.stdout.write(`${b}\n`);
  }
}

if (require.main === module) {
  main(process.argv[2] as string).catch((e: unknown) => {
    process.stderr.write(`${String(e)}\n`);
    process.exit(1);
  });
}
