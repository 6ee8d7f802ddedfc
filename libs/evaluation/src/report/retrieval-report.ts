import type { EvaluationReport, QueryOutcome } from '../retrieval/evaluation';
import { metricsByKind } from '../retrieval/evaluation';
import type { RetrievalMetrics } from '../retrieval/retrieval-metrics';
import {
  barChart,
  fixed,
  markup,
  lineChart,
  page,
  percent,
  section,
  SERIES_COLOURS,
  table,
  tile,
  type BarRow,
  type Html,
  type LineSeries,
} from './html';
import type { Thumbnailer } from './thumbnails';

/** What a report shows of a catalog product. */
export interface ReportProduct {
  readonly sku: string;
  readonly title: string;
  readonly category: string | null;
  /** Local file of its first picture; absent for a product whose picture is remote or missing. */
  readonly image?: string;
}

export interface RetrievalReportInput {
  readonly model: string;
  /** The catalog file evaluated and its product count. */
  readonly catalog: { readonly file: string; readonly products: number };
  readonly queryFiles: readonly string[];
  readonly rerank: boolean;
  readonly result: EvaluationReport;
  /** Catalog products by SKU: titles, categories and pictures of expected products and results. */
  readonly products: ReadonlyMap<string, ReportProduct>;
  readonly generatedAt: Date;
  /** How many of the worst queries of each kind (text, picture) the failure gallery shows (default 10). */
  readonly failures?: number;
}

/** The deepest K of the recall curves. */
export const CURVE_K = 50;
/** Results shown per failure case. */
export const GALLERY_TOP = 5;

const KINDS = ['text', 'image'] as const;

/** recall@K for K = 1..maxK: the share of queries whose first relevant product is at rank ≤ K. */
export function recallCurve(outcomes: readonly QueryOutcome[], maxK: number): number[] {
  const n = outcomes.length;
  return Array.from({ length: maxK }, (_, i) =>
    n === 0 ? 0 : outcomes.filter((o) => o.rank !== null && o.rank <= i + 1).length / n,
  );
}

/**
 * The queries that did worst, worst first: the ones whose product was not found at all, then by the rank of their
 * first relevant product, descending. Queries answered at rank 1 are no failures.
 */
export function worstQueries(outcomes: readonly QueryOutcome[], count: number): QueryOutcome[] {
  const key = (o: QueryOutcome) => (o.rank === null ? Number.POSITIVE_INFINITY : o.rank);
  return outcomes
    .filter((o) => o.rank !== 1)
    .sort((a, b) => key(b) - key(a) || a.query.id.localeCompare(b.query.id))
    .slice(0, count);
}

/** The category a query counts under: that of its first relevant product. */
function categoryOf(o: QueryOutcome, products: ReadonlyMap<string, ReportProduct>): string {
  const p = products.get(o.query.relevant[0]!);
  if (!p) return '(not in the catalog)';
  return p.category ?? '(no category)';
}

const METRIC_KEYS = ['n', 'R@1', 'R@5', 'R@10', 'MedR', 'MRR', 'nDCG@10'] as const;

function metricCells(m: RetrievalMetrics): string[] {
  return METRIC_KEYS.map((k) =>
    k === 'n'
      ? String(m.n)
      : k === 'MedR'
        ? String(m.MedR)
        : k.startsWith('R@')
          ? percent(m[k])
          : fixed(m[k]),
  );
}

/** The self-contained HTML report of a `vitrine eval` run. */
export async function buildRetrievalReport(
  input: RetrievalReportInput,
  thumbs: Thumbnailer,
): Promise<string> {
  const { result, products } = input;
  const outcomes = result.outcomes;
  const kinds = KINDS.filter((k) => outcomes.some((o) => o.kind === k));
  const langs = [...new Set(outcomes.map((o) => o.lang))].sort();
  const maxK = Math.min(CURVE_K, result.depth);

  const summary = table(
    ['kind', ...METRIC_KEYS],
    kinds.map((k) => [k, ...metricCells(result[k]!)]),
  );

  const curves: LineSeries[] = [];
  kinds.forEach((k, ki) =>
    langs.forEach((l, li) => {
      const subset = outcomes.filter((o) => o.kind === k && (langs.length === 1 || o.lang === l));
      if (subset.length === 0 || (langs.length === 1 && li > 0)) return;
      curves.push({
        name: langs.length === 1 ? `${k} (n ${subset.length})` : `${k}, ${l} (n ${subset.length})`,
        values: recallCurve(subset, maxK),
        colour: SERIES_COLOURS[ki % SERIES_COLOURS.length]!,
        dashed: li > 0,
      });
    }),
  );

  const categories = [...new Set(outcomes.map((o) => categoryOf(o, products)))].sort();
  const categoryRows: BarRow[] = categories.map((c) => {
    const inCategory = outcomes.filter((o) => categoryOf(o, products) === c);
    const m = metricsByKind(inCategory, result.depth);
    return {
      label: c,
      note: `n ${inCategory.length}`,
      bars: kinds.map((k) => {
        const km = m[k];
        return km
          ? { value: km['R@1'], back: km['R@10'], title: `${percent(km['R@1'])} / ${percent(km['R@10'])}` }
          : null;
      }),
    };
  });

  const langRows = langs.flatMap((l) =>
    kinds.flatMap((k) => {
      const m = result.byLang[l]?.[k];
      return m ? [[l, k, ...metricCells(m)]] : [];
    }),
  );

  const galleries = await Promise.all(
    kinds.map(async (k) => {
      const worst = worstQueries(
        outcomes.filter((o) => o.kind === k),
        input.failures ?? 10,
      );
      return { kind: k, worst, cases: await Promise.all(worst.map((o) => failureCase(o, input, thumbs))) };
    }),
  );
  const shown = galleries.reduce((a, g) => a + g.worst.length, 0);

  const when = input.generatedAt
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  return page({
    title: 'Vitrine search evaluation',
    subtitle:
      `model ${input.model} · catalog ${input.catalog.file} (${input.catalog.products} products) · ` +
      `${outcomes.length} queries from ${input.queryFiles.join(', ')} · rerank ${input.rerank ? 'on' : 'off'} · ` +
      `rankings read ${result.depth} deep · ${when}`,
    sections: [
      markup`<div class="cols">
        <div>
          ${section(
            'summary',
            'Summary',
            summary,
            'R@K: share of queries whose product is among the first K results. MedR: median rank of the first relevant ' +
              `product (a miss counts as ${result.depth + 1}). MRR: mean reciprocal rank.`,
          )}${section(
            'languages',
            'By language',
            table(['language', 'kind', ...METRIC_KEYS], langRows, 2),
            'A query without "lang" counts as en.',
          )}
        </div>
        ${section(
          'recall',
          `Recall@K, K = 1…${maxK}`,
          lineChart(curves, {
            xLabel: 'K (results looked at)',
            yLabel: 'recall@K',
            label: `recall at K from 1 to ${maxK} per query kind${langs.length > 1 ? ' and language' : ''}`,
          }),
          langs.length > 1
            ? 'Solid: the first language; dashed: the others, in the order of the legend.'
            : undefined,
        )}
      </div>`,
      section(
        'categories',
        'By category of the expected product',
        barChart(
          categoryRows,
          kinds.map((k, i) => ({ name: k, colour: SERIES_COLOURS[i % SERIES_COLOURS.length]! })),
          { label: 'R@1 and R@10 per category and query kind', legend: 'solid R@1, pale R@10' },
        ),
      ),
      section(
        'failures',
        `The ${shown} worst queries`,
        galleries.map(
          (g) =>
            markup`<h3 class="kind" id="failures-${g.kind}">
                ${g.kind === 'text' ? 'Words' : 'Pictures'}: the ${g.worst.length} worst
              </h3>
              ${
                g.worst.length
                  ? markup`<div class="gallery">${g.cases}</div>`
                  : markup`<p>Every ${g.kind} query found its product at rank 1.</p>`
              }`,
        ),
        `Worst first: queries whose product was not in the first ${result.depth} results, then by the rank of the ` +
          `first relevant product. Each shows the query, the product expected and the first ${GALLERY_TOP} results ` +
          '(a green frame marks a relevant one).',
      ),
    ],
    footer: `Written by vitrine eval. Self-contained: no script, no font, no picture is loaded from anywhere.`,
  });
}

async function failureCase(o: QueryOutcome, input: RetrievalReportInput, thumbs: Thumbnailer): Promise<Html> {
  const { products } = input;
  const relevant = new Set(o.query.relevant);
  const expected = products.get(o.query.relevant[0]!);
  const picture = async (p: ReportProduct | undefined) => (p?.image ? await thumbs.of(p.image) : undefined);
  const queryPicture = o.query.image !== undefined ? await thumbs.of(o.query.image) : undefined;
  const top = await Promise.all(
    o.ranking.slice(0, GALLERY_TOP).map(async (sku, i) => {
      const p = products.get(sku);
      return tile({
        src: await picture(p),
        alt: p?.title ?? sku,
        head: `#${i + 1}`,
        caption: p?.title ?? sku,
        hit: relevant.has(sku),
      });
    }),
  );
  const rank =
    o.rank === null
      ? markup`<span class="rank miss">${
          o.ranking.length === 0
            ? 'no result at all'
            : o.ranking.length < input.result.depth
              ? `not among the ${o.ranking.length} results`
              : `not in the first ${o.ranking.length}`
        }</span>`
      : markup`<span class="rank">first relevant at rank ${o.rank}</span>`;
  return markup`<article class="case" data-query-id="${o.query.id}" data-rank="${o.rank ?? 'miss'}">
    <div>
      ${
        o.kind === 'text'
          ? markup`<h3 lang="${o.lang}">“${o.query.text ?? ''}”</h3>`
          : tile({
              src: queryPicture,
              alt: `query picture ${o.query.id}`,
              head: 'query picture',
              caption: '',
            })
      }
      <div class="meta">${o.query.id} · ${o.kind} · ${o.lang}</div>
      ${rank}
    </div>
    <div>
      ${tile({
        src: await picture(expected),
        alt: expected?.title ?? o.query.relevant[0]!,
        head: 'expected',
        caption: expected
          ? `${expected.title} (${expected.sku})`
          : `${o.query.relevant[0]!} (not in the catalog)`,
      })}
    </div>
    <div class="tiles">${top.length ? top : markup`<p>No result.</p>`}</div>
  </article>`;
}
