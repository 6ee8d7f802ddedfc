import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '@vitrine/core';
import { MAX_LIMIT, type SearchFilters, type SearchPage, type SearchService } from '@vitrine/search';
import { parseJsonlLines } from '../jsonl';
import { computeRetrievalMetrics, type RankedQuery, type RetrievalMetrics } from './retrieval-metrics';

/** One evaluation query: words or a picture, and the SKUs that count as a correct answer. */
export interface EvalQuery {
  readonly id: string;
  readonly text?: string;
  /** Absolute path of the query image (relative paths in the file resolve against the file's folder). */
  readonly image?: string;
  readonly relevant: readonly string[];
  readonly filters?: SearchFilters;
}

const lineSchema = z
  .object({
    id: z.string().min(1),
    text: z.string().min(1).optional(),
    image: z.string().min(1).optional(),
    relevant: z.array(z.string().min(1)).min(1),
    filters: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .refine(
    (q) => (q.text === undefined) !== (q.image === undefined),
    'give exactly one of "text" and "image"',
  );

/** Reads a queries JSONL file (`{"id","text"?|"image"?,"relevant":[sku,...],"filters"?}` per line). */
export async function readEvalQueries(file: string): Promise<EvalQuery[]> {
  const folder = dirname(resolve(file));
  const { rows, problems } = parseJsonlLines(await readFile(file, 'utf8'), lineSchema);
  const out: EvalQuery[] = rows.map(({ value: q }) => ({
    id: q.id,
    relevant: q.relevant,
    ...(q.text !== undefined ? { text: q.text } : {}),
    ...(q.image !== undefined ? { image: resolve(folder, q.image) } : {}),
    ...(q.filters ? { filters: q.filters } : {}),
  }));
  if (problems.length) {
    throw new ValidationError(
      `${file}: ${problems.length} bad query line(s):\n${problems.slice(0, 20).join('\n')}`,
      {
        problems,
      },
    );
  }
  return out;
}

export interface EvaluationOptions {
  /** How deep each ranking is read (pages of 100); a relevant item beyond it counts as rank depth + 1. */
  readonly depth?: number;
  readonly rerank?: boolean;
  /** Called after each query (progress). */
  readonly onQuery?: (done: number, total: number) => void;
}

export interface EvaluationReport {
  readonly text?: RetrievalMetrics;
  readonly image?: RetrievalMetrics;
  readonly depth: number;
  readonly msPerQuery: number;
}

/**
 * Runs every query through the product's own search (the code behind `POST /v1/search/text` and
 * `/v1/search/image`) and computes R@1/5/10, MedR, MeanR, MRR and nDCG@10 per query kind.
 */
export async function evaluateSearch(
  search: SearchService,
  queries: readonly EvalQuery[],
  options: EvaluationOptions = {},
): Promise<EvaluationReport> {
  const depth = options.depth ?? 100;
  const ranked: Record<'text' | 'image', RankedQuery[]> = { text: [], image: [] };
  const started = performance.now();
  for (const [i, q] of queries.entries()) {
    const ranking: string[] = [];
    const image = q.image !== undefined ? await readFile(q.image) : undefined;
    let cursor: string | undefined;
    while (ranking.length < depth) {
      const base = {
        limit: Math.min(MAX_LIMIT, depth - ranking.length),
        ...(cursor ? { cursor } : {}),
        ...(q.filters ? { filters: q.filters } : {}),
        ...(options.rerank !== undefined ? { rerank: options.rerank } : {}),
      };
      const page: SearchPage = image
        ? await search.searchImage({ ...base, image })
        : await search.searchText({ ...base, query: q.text! });
      ranking.push(...page.items.map((item) => item.sku));
      if (!page.nextCursor || page.items.length === 0) break;
      cursor = page.nextCursor;
    }
    ranked[image ? 'image' : 'text'].push({ ranking, relevant: q.relevant });
    options.onQuery?.(i + 1, queries.length);
  }
  const msPerQuery = queries.length ? (performance.now() - started) / queries.length : 0;
  return {
    ...(ranked.text.length ? { text: computeRetrievalMetrics(ranked.text, depth + 1) } : {}),
    ...(ranked.image.length ? { image: computeRetrievalMetrics(ranked.image, depth + 1) } : {}),
    depth,
    msPerQuery,
  };
}
