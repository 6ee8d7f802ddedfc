import type { JobQueue } from '@vitrine/indexing';

/** Waits until the queue has nothing waiting, running, delayed or waiting for children. */
export async function waitForIdle(queue: JobQueue, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let quietSince = 0;
  for (;;) {
    const c = await queue.counts();
    const open = c.waiting + c.active + c.delayed + c['waiting-children'];
    if (open === 0) {
      // Twice in a row: a finishing job may enqueue a follow-up right after the counts were read.
      if (quietSince && Date.now() - quietSince > 150) return;
      quietSince ||= Date.now();
    } else quietSince = 0;
    if (Date.now() > end) throw new Error(`queue still busy after ${timeoutMs} ms: ${JSON.stringify(c)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
