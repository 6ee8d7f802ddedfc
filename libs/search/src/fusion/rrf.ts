import type { RetrieverName } from '../search.types';

/** One first-stage result list, best first. */
export interface RankedList {
  readonly source: RetrieverName;
  readonly ids: readonly string[];
  readonly weight: number;
}

export interface FusedCandidate {
  readonly id: string;
  readonly rrf: number;
  /** 1-based rank in each list that returned the id. */
  readonly ranks: Partial<Record<RetrieverName, number>>;
}

/**
 * Weighted reciprocal rank fusion (Cormack et al. 2009): `score(d) = Σ w_l / (k + rank_l(d))`. Ranks only, so
 * lists whose scores live on different scales (cosines, ts_rank) combine without calibration. Ties break by id so
 * pages stay stable.
 */
export function fuseRrf(lists: readonly RankedList[], k: number): FusedCandidate[] {
  const byId = new Map<string, { id: string; rrf: number; ranks: Partial<Record<RetrieverName, number>> }>();
  for (const list of lists) {
    list.ids.forEach((id, i) => {
      let c = byId.get(id);
      if (!c) byId.set(id, (c = { id, rrf: 0, ranks: {} }));
      // A list naming an id twice counts its best rank only.
      if (c.ranks[list.source] !== undefined) return;
      c.ranks[list.source] = i + 1;
      c.rrf += list.weight / (k + i + 1);
    });
  }
  return [...byId.values()].sort((a, b) => b.rrf - a.rrf || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
