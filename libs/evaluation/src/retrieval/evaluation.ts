import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '@vitrine/core';
import { MAX_LIMIT, type SearchFilters, type SearchPage, type SearchService } from '@vitrine/search';
import { parseJsonlLines } from '../jsonl';
import { computeRetrievalMetrics, type RetrievalMetrics } from './retrieval-metrics';

/** One evaluation query: words or a picture, and the SKUs that count as a correct answer. */
export interface EvalQuery {
  readonly id: string;
  readonly text?: string;
  /** Absolute path of the query image (relative paths in the file resolve against the file's folder). */
  readonly image?: string;
  readonly relevant: readonly string[];
  readonly filters?: SearchFilters;
  /** Language of the query's words (BCP 47, e.g. `en`, `zh`); `en` when the line does not say. */
  readonly lang?: string;
}

/** The language a query counts under when it does not state one. */
export const DEFAULT_QUERY_LANG = 'en';

const lineSchema = z
  .object({
    id: z.string().min(1),
    text: z.string().min(1).optional(),
    image: z.string().min(1).optional(),
    relevant: z.array(z.string().min(1)).min(1),
    filters: z.record(z.string(), z.unknown()).optional(),
    lang: z
      .string()
      .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, 'a language tag such as "en" or "zh"')
      .optional(),
  })
  .strict()
  .refine(
    (q) => (q.text === undefined) !== (q.image === undefined),
    'give exactly one of "text" and "image"',
  );

/** Reads a queries JSONL file (`{"id","text"?|"image"?,"relevant":[sku,...],"filters"?,"lang"?}` per line). */
export async function readEvalQueries(file: string): Promise<EvalQuery[]> {
  const folder = dirname(resolve(file));
  const { rows, problems } = parseJsonlLines(await readFile(file, 'utf8'), lineSchema);
  const out: EvalQuery[] = rows.map(({ value: q }) => ({
    id: q.id,
    relevant: q.relevant,
    ...(q.text !== undefined ? { text: q.text } : {}),
    ...(q.image !== undefined ? { image: resolve(folder, q.image) } : {}),
    ...(q.filters ? { filters: q.filters } : {}),
    lang: q.lang ?? DEFAULT_QUERY_LANG,
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

/**
 * Reads several queries files into one set (e.g. the English and the Chinese demo queries). A query id may appear
 * once only across all files: the report and the per-language table name queries by id.
 */
export async function readEvalQueryFiles(files: readonly string[]): Promise<EvalQuery[]> {
  if (files.length === 0) throw new ValidationError('give at least one queries file');
  const all: EvalQuery[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    for (const q of await readEvalQueries(file)) {
      const first = seen.get(q.id);
      if (first !== undefined)
        throw new ValidationError(
          `query id "${q.id}" is in ${first} and again in ${file}: ids must be unique`,
        );
      seen.set(q.id, file);
      all.push(q);
    }
  }
  return all;
}

/** What one query found: the ranking as read and the rank of its first relevant product. */
export interface QueryOutcome {
  readonly query: EvalQuery;
  readonly kind: 'text' | 'image';
  readonly lang: string;
  /** SKUs in rank order, as deep as the evaluation read. */
  readonly ranking: readonly string[];
  /** 1-based rank of the first relevant SKU; `null` when none was in the ranking (counted as depth + 1). */
  readonly rank: number | null;
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
  /** The same metrics per language of the queries, then per kind. */
  readonly byLang: Readonly<
    Record<string, { readonly text?: RetrievalMetrics; readonly image?: RetrievalMetrics }>
  >;
  readonly depth: number;
  readonly msPerQuery: number;
  /** Every query with its ranking, in the order given (for reports). */
  readonly outcomes: readonly QueryOutcome[];
}

/** Metrics per query kind of a set of outcomes; a kind with no query is left out. */
export function metricsByKind(
  outcomes: readonly QueryOutcome[],
  depth: number,
): { text?: RetrievalMetrics; image?: RetrievalMetrics } {
  const of = (kind: 'text' | 'image') =>
    outcomes.filter((o) => o.kind === kind).map((o) => ({ ranking: o.ranking, relevant: o.query.relevant }));
  const text = of('text');
  const image = of('image');
  return {
    ...(text.length ? { text: computeRetrievalMetrics(text, depth + 1) } : {}),
    ...(image.length ? { image: computeRetrievalMetrics(image, depth + 1) } : {}),
  };
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
  const outcomes: QueryOutcome[] = [];
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
    const relevant = new Set(q.relevant);
    const at = ranking.findIndex((sku) => relevant.has(sku));
    outcomes.push({
      query: q,
      kind: image ? 'image' : 'text',
      lang: q.lang ?? DEFAULT_QUERY_LANG,
      ranking,
      rank: at === -1 ? null : at + 1,
    });
    options.onQuery?.(i + 1, queries.length);
  }
  const msPerQuery = queries.length ? (performance.now() - started) / queries.length : 0;
  const langs = [...new Set(outcomes.map((o) => o.lang))].sort();
  return {
    ...metricsByKind(outcomes, depth),
    byLang: Object.fromEntries(
      langs.map((l) => [
        l,
        metricsByKind(
          outcomes.filter((o) => o.lang === l),
          depth,
        ),
      ]),
    ),
    depth,
    msPerQuery,
    outcomes,
  };
}
