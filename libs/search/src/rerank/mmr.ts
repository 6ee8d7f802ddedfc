import { dot } from '@vitrine/embedding';

export interface MmrItem {
  readonly score: number;
  /** Used to measure how alike two results are; items without one are never penalised. */
  readonly vector: Float32Array | undefined;
}

/**
 * Maximal marginal relevance (Carbonell & Goldstein 1998): picks, one at a time, the item maximising
 * `λ·score − (1−λ)·max cos(item, already picked)`. Returns the indexes of the first `take` picks in order and each
 * pick's penalty. λ = 1 is plain relevance order.
 */
export function mmrOrder(
  items: readonly MmrItem[],
  lambda: number,
  take: number,
): { order: number[]; penalties: number[] } {
  const n = items.length;
  const maxSim = new Float64Array(n).fill(-Infinity);
  const picked = new Uint8Array(n);
  const order: number[] = [];
  const penalties: number[] = [];
  for (let round = 0; round < Math.min(take, n); round++) {
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < n; i++) {
      if (picked[i]) continue;
      const sim = round === 0 || items[i]!.vector === undefined ? 0 : Math.max(0, maxSim[i]!);
      const value = lambda * items[i]!.score - (1 - lambda) * sim;
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    const chosen = items[best]!;
    picked[best] = 1;
    order.push(best);
    penalties.push(
      round === 0 || chosen.vector === undefined ? 0 : Math.max(0, maxSim[best]!) * (1 - lambda),
    );
    if (chosen.vector) {
      for (let i = 0; i < n; i++) {
        const v = items[i]!.vector;
        if (!picked[i] && v) maxSim[i] = Math.max(maxSim[i]!, dot(v, chosen.vector));
      }
    }
  }
  return { order, penalties };
}
