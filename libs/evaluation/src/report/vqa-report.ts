import type { TruthfulnessReport } from '../vqa/truthfulness';
import { EVAL_TYPES, type VqaEvalResult } from '../vqa/vqa-eval';
import { barChart, markup, page, percent, section, SERIES_COLOURS, table, tile, type Html } from './html';
import type { Thumbnailer } from './thumbnails';

export interface VqaReportInput {
  readonly model: string;
  readonly minConfidence: number;
  readonly catalog: string;
  /** Titles by SKU, to name the product a question was about. */
  readonly titles: ReadonlyMap<string, string>;
  /** One result per picture set asked about, e.g. `held-out OpenMoji pictures` and `catalog pictures`. */
  readonly sets: readonly { readonly id: string; readonly name: string; readonly result: VqaEvalResult }[];
  readonly truthfulness?: TruthfulnessReport;
  readonly generatedAt: Date;
  /** Confidently wrong answers shown per set (default 24). */
  readonly wrongShown?: number;
}

/** The self-contained HTML report of a `vitrine eval-vqa` run. */
export async function buildVqaReport(input: VqaReportInput, thumbs: Thumbnailer): Promise<string> {
  const sections: Html[] = [];
  for (const set of input.sets) {
    const rows = EVAL_TYPES.flatMap((t) => {
      const s = set.result.types[t];
      return s ? [{ t, s }] : [];
    });
    sections.push(
      section(
        `types-${set.id}`,
        `${set.name}: accuracy and abstention per question type`,
        markup`<div>
          ${table(
            ['type', 'n', 'correct', 'answered', "can't tell", 'correct | answered', '95% CI', 'top-1'],
            rows.map(({ t, s }) => [
              t,
              s.n,
              percent(s.accuracy),
              percent(s.answeredShare),
              percent(s.cantTellShare),
              percent(s.answeredAccuracy),
              `${percent(s.ci95[0])}–${percent(s.ci95[1])}`,
              percent(s.top1Accuracy),
            ]),
          )}${barChart(
            rows.map(({ t, s }) => ({
              label: t,
              note: `n ${s.n}`,
              bars: [
                {
                  value: s.accuracy,
                  back: s.answeredShare,
                  title: `${percent(s.accuracy)} of ${percent(s.answeredShare)}`,
                },
              ],
            })),
            [{ name: 'correct', colour: SERIES_COLOURS[0]! }],
            {
              label: `share correct and share answered per question type, ${set.name}`,
              legend: 'pale: answered (beyond the solid: wrong)',
            },
          )}
        </div>`,
        `${set.result.questions} questions; an answer below confidence ${input.minConfidence} counts as "I can't tell". ` +
          '"top-1": the best answer whatever its confidence.',
      ),
    );
  }
  if (input.truthfulness) sections.push(truthSection(input.truthfulness));
  for (const set of input.sets) {
    const shown = set.result.confidentlyWrong.slice(0, input.wrongShown ?? 24);
    const tiles = await Promise.all(
      shown.map(
        async (w) =>
          markup`<article class="card" data-sku="${w.question.sku}" data-confidence="${w.confidence.toFixed(3)}">${tile(
            {
              src: await thumbs.of(w.question.image),
              alt: `picture of ${input.titles.get(w.question.sku) ?? w.question.sku}`,
              head: w.question.sku,
              caption: input.titles.get(w.question.sku) ?? w.question.sku,
            },
          )}<div><h3>${w.question.question}</h3><p>expected <b>${w.question.expected}</b>, answered <b class="fail">${w.answer ?? '(nothing)'}</b> with confidence ${w.confidence.toFixed(2)}</p><div class="meta">${w.question.types.join(', ')}</div></div></article>`,
      ),
    );
    sections.push(
      section(
        `wrong-${set.id}`,
        `${set.name}: confidently wrong answers (${set.result.confidentlyWrong.length})`,
        shown.length
          ? markup`<div class="cards">${tiles}</div>`
          : markup`<p>No answer at or above the minimum confidence was wrong.</p>`,
        `Answers given with confidence ≥ ${input.minConfidence} that were wrong, most confident first` +
          (shown.length < set.result.confidentlyWrong.length ? ` (the first ${shown.length})` : '') +
          '.',
      ),
    );
  }
  return page({
    title: 'Vitrine question answering evaluation',
    subtitle: `model ${input.model} · catalog ${input.catalog} · minimum confidence ${input.minConfidence} · ${stamp(input.generatedAt)}`,
    sections,
    footer:
      'Written by vitrine eval-vqa. Self-contained: no script, no font, no picture is loaded from anywhere.',
  });
}

function truthSection(t: TruthfulnessReport): Html {
  const rate = (r: { rate: number; n: number; ci95: readonly [number, number] }) =>
    `${percent(r.rate)} (n ${r.n}, 95% CI ${percent(r.ci95[0])}–${percent(r.ci95[1])})`;
  const rows: string[][] = [];
  if (t.unknowable.abstention.n) {
    rows.push(['unknowable questions: abstained (goal ≥ 95%)', rate(t.unknowable.abstention)]);
    rows.push(['unknowable questions: answered anyway', rate(t.unknowable.confidentWrong)]);
  }
  if (t.catalogText.accuracy.n) {
    rows.push([
      'catalog-text questions: correct with quoted evidence (goal ≥ 90%)',
      rate(t.catalogText.accuracy),
    ]);
    rows.push(['catalog-text questions: confidently wrong', rate(t.catalogText.confidentWrong)]);
  }
  rows.push(['confident wrong answers over both sets (goal ≤ 1%)', rate(t.confidentWrong)]);
  const misses = [
    ...t.unknowable.misses.map((m) => ({ ...m, set: 'unknowable' })),
    ...t.catalogText.misses.map((m) => ({ ...m, set: 'catalog text' })),
  ].slice(0, 20);
  return section(
    'truthfulness',
    'Truthfulness: the product answering path over the catalog',
    markup`${table(['measure', 'rate'], rows)}${
      misses.length
        ? markup`<h3>Wrong answers</h3>
            ${table(
              ['set', 'question', 'answer'],
              misses.map((m) => [m.set, markup`<span class="l">${m.question}</span>`, m.answer]),
            )}`
        : ''
    }`,
  );
}

export function stamp(d: Date): string {
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}
