import { join } from 'node:path';
import { metricsByKind, type EvalQuery, type QueryOutcome } from '../retrieval/evaluation';
import { escapeHtml } from './html';
import { buildRetrievalReport, recallCurve, worstQueries, type ReportProduct } from './retrieval-report';
import { Thumbnailer } from './thumbnails';

const DEMO = join(__dirname, '../../../../data/demo-catalog');

const products = new Map<string, ReportProduct>(
  [
    ['SHOE', 'Hiking Boot', 'Shoes', 'images/hiking-boot.png'],
    ['SANDAL', 'Thong Sandal', 'Shoes', 'images/thong-sandal.png'],
    ['BAG', 'Backpack <b>big</b> & "roomy"', 'Bags', 'images/backpack.png'],
    ['BELL', 'Bellhop Bell', 'Bags', 'images/bellhop-bell.png'],
    ['PURSE', 'Purse', null, 'images/purse.png'],
    ['LOST', 'Luggage', 'Bags', undefined],
  ].map(([sku, title, category, image]) => [
    sku!,
    { sku: sku!, title: title!, category: category ?? null, ...(image ? { image: join(DEMO, image) } : {}) },
  ]),
);

function outcome(query: EvalQuery, ranking: string[]): QueryOutcome {
  const at = ranking.findIndex((s) => query.relevant.includes(s));
  return {
    query,
    kind: query.image ? 'image' : 'text',
    lang: query.lang ?? 'en',
    ranking,
    rank: at === -1 ? null : at + 1,
  };
}

const outcomes: QueryOutcome[] = [
  outcome({ id: 'q-boot', text: 'hiking boot', relevant: ['SHOE'] }, ['SHOE', 'SANDAL', 'BAG']),
  outcome({ id: 'q-sandal', text: 'sandal', relevant: ['SANDAL'] }, ['SHOE', 'BAG', 'SANDAL', 'BELL']),
  outcome({ id: 'q-evil', text: '<img src=x onerror=alert(1)>', relevant: ['BELL'] }, ['PURSE', 'BAG']),
  outcome({ id: 'q-bag', text: 'bag', relevant: ['BAG'] }, [
    'BELL',
    'BAG',
    'LOST',
    'PURSE',
    'SHOE',
    'SANDAL',
  ]),
  outcome({ id: 'q-zh', text: '背包', relevant: ['BAG'], lang: 'zh' }, [
    'SHOE',
    'BELL',
    'PURSE',
    'SANDAL',
    'LOST',
    'BAG',
  ]),
  outcome({ id: 'q-pic', image: join(DEMO, 'queries/backpack.png'), relevant: ['BAG'] }, ['BELL', 'BAG']),
];

const depth = 10;
const result = {
  ...metricsByKind(outcomes, depth),
  byLang: {
    en: metricsByKind(
      outcomes.filter((o) => o.lang === 'en'),
      depth,
    ),
    zh: metricsByKind(
      outcomes.filter((o) => o.lang === 'zh'),
      depth,
    ),
  },
  depth,
  msPerQuery: 1,
  outcomes,
};

/** The report with its layout whitespace collapsed (the markup is formatted by Prettier; the text is not changed). */
function flat(html: string): string {
  return html
    .replace(/\s+/g, ' ')
    .replace(/> </g, '><')
    .replace(/ (\/?)>/g, '$1>');
}

async function build(failures?: number): Promise<string> {
  const html = await buildRetrievalReport(
    {
      model: 'demo-clip <v1>',
      catalog: { file: 'products.jsonl', products: products.size },
      queryFiles: ['queries.jsonl', 'queries.zh.jsonl'],
      rerank: true,
      result,
      products,
      generatedAt: new Date('2026-12-04T21:00:00Z'),
      ...(failures !== undefined ? { failures } : {}),
    },
    new Thumbnailer(),
  );
  return flat(html);
}

/** The body of one failure case, found by its query id. */
function caseOf(html: string, id: string): string {
  const start = html.indexOf(`<article class="case" data-query-id="${id}"`);
  if (start === -1) throw new Error(`no case for ${id}`);
  return html.slice(start, html.indexOf('</article>', start));
}

describe('the retrieval report', () => {
  let html: string;
  beforeAll(async () => {
    html = await build();
  });

  it('is one HTML page with every section, its own styles and a policy that forbids fetching anything', () => {
    expect(html.startsWith('<!doctype html><html lang="en">')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    for (const id of ['summary', 'recall', 'categories', 'languages', 'failures'])
      expect(html).toContain(`<section id="${id}">`);
    expect(html).toContain(`content="default-src 'none'; img-src data:; style-src 'unsafe-inline'"`);
    expect(html).toMatch(/<style>[^<]+<\/style>/);
    // No script, no stylesheet or font link, no URL the browser would fetch.
    expect(html).not.toMatch(/<script|<link|@import|url\(/i);
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
  });

  it('escapes every string it shows: query words, titles and the model id', () => {
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('“&lt;img src=x onerror=alert(1)&gt;”');
    expect(html).toContain('Backpack &lt;b&gt;big&lt;/b&gt; &amp; &quot;roomy&quot;');
    expect(html).toContain('model demo-clip &lt;v1&gt;');
    expect(escapeHtml(`<a href='x'>&"`)).toBe('&lt;a href=&#39;x&#39;&gt;&amp;&quot;');
  });

  it('draws a recall@K curve per query kind and language, up to the depth read', () => {
    const recall = html.slice(
      html.indexOf('<section id="recall">'),
      html.indexOf('<section id="categories">'),
    );
    // Text in English: 4 queries, found at ranks 1, 3, 2 and never: recall 0.25 at K=1, 0.75 from K=3.
    expect(
      recallCurve(
        outcomes.filter((o) => o.kind === 'text' && o.lang === 'en'),
        10,
      ),
    ).toEqual([0.25, 0.5, 0.75, 0.75, 0.75, 0.75, 0.75, 0.75, 0.75, 0.75]);
    expect(recall).toContain('text, en (n 4): 0.75 at K = 10');
    expect(recall).toContain('text, zh (n 1): 1.00 at K = 10');
    expect(recall).toContain('image, en (n 1): 1.00 at K = 10');
    expect(
      recallCurve(
        outcomes.filter((o) => o.kind === 'image'),
        3,
      ),
    ).toEqual([0, 1, 1]);
    expect(recall.match(/<path d="M/g)).toHaveLength(3);
    // The second language is dashed.
    expect(recall).toMatch(
      /<path d="M[^"]+" fill="none" stroke="#2457c5" stroke-width="2" stroke-dasharray="6 4"><title>text, zh/,
    );
  });

  it('has bars per category of the expected product, and a row per language and kind', () => {
    const bars = html.slice(
      html.indexOf('<section id="categories">'),
      html.indexOf('<section id="failures">'),
    );
    expect(bars).toMatch(/>Bags \(n 4\)</);
    expect(bars).toMatch(/>Shoes \(n 2\)</);
    // Shoes, text: R@1 50% (boot at 1, sandal at 3), R@10 100%.
    expect(bars).toContain('<title>50.0% / 100.0%</title>');
    const langs = html.slice(html.indexOf('<section id="languages">'), html.indexOf('<section id="recall">'));
    expect(langs).toMatch(/<td>en<\/td><td>text<\/td><td>4<\/td><td>25\.0%<\/td>/);
    expect(langs).toMatch(/<td>en<\/td><td>image<\/td><td>1<\/td><td>0\.0%<\/td><td>100\.0%<\/td>/);
    expect(langs).toMatch(/<td>zh<\/td><td>text<\/td><td>1<\/td><td>0\.0%<\/td>/);
  });

  it('shows the worst queries first, each with its expected product and top five as inline pictures', () => {
    const order = [...html.matchAll(/data-query-id="([^"]+)" data-rank="([^"]+)"/g)].map(
      (m) => `${m[1]}:${m[2]}`,
    );
    // Words, then pictures; in each, never found, then rank 6, 3, 2; a query answered at rank 1 is no failure.
    expect(order).toEqual(['q-evil:miss', 'q-zh:6', 'q-sandal:3', 'q-bag:2', 'q-pic:2']);
    const zh = caseOf(html, 'q-zh');
    expect(zh).toContain('<h3 lang="zh">“背包”</h3>');
    expect(zh).toContain('first relevant at rank 6');
    expect(zh).toContain(
      '<b>expected</b><figcaption>Backpack &lt;b&gt;big&lt;/b&gt; &amp; &quot;roomy&quot; (BAG)',
    );
    // The expected product and the first five results: #1..#5, not the sixth (where the product was).
    expect(zh.match(/<b>#\d<\/b>/g)).toEqual([
      '<b>#1</b>',
      '<b>#2</b>',
      '<b>#3</b>',
      '<b>#4</b>',
      '<b>#5</b>',
    ]);
    // Luggage has no local picture: a labelled empty box, never a link.
    expect(zh).toContain('<span class="noimg" role="img" aria-label="Luggage">no picture</span>');
    expect(
      zh.match(/<img src="data:image\/webp;base64,[A-Za-z0-9+/=]+" alt="[^"]*" width="72" height="72"\/>/g),
    ).toHaveLength(5);
    // A relevant result in the top five is framed.
    expect(caseOf(html, 'q-sandal')).toMatch(/<figure class="hit"><img [^>]+alt="Thong Sandal"/);
    expect(caseOf(html, 'q-evil')).toContain('not among the 2 results');
  });

  it('shows a picture query as its picture, and limits the gallery to the count asked', async () => {
    expect(caseOf(html, 'q-pic')).toMatch(
      /^<article[^>]+><div><figure><img src="data:image\/webp;base64,[^"]+" alt="query picture q-pic"/,
    );
    expect(worstQueries(outcomes, 1).map((o) => o.query.id)).toEqual(['q-evil']);
    const small = await build(2);
    // Two per kind: words first, then pictures.
    expect([...small.matchAll(/data-query-id="([^"]+)"/g)].map((m) => m[1])).toEqual([
      'q-evil',
      'q-zh',
      'q-pic',
    ]);
    expect(small).toContain('The 3 worst queries');
    expect(small).toContain('Words: the 2 worst');
    expect(small).toContain('Pictures: the 1 worst');
  });
});
