import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '@vitrine/core';
import { DEMO_CATALOG, DEMO_DIR, DEMO_MODEL_DIR } from '../../../../test/support/indexing-app';
import { runEval } from './eval';

function sink() {
  const s = new PassThrough();
  let text = '';
  s.on('data', (c: Buffer) => (text += c.toString()));
  return { stream: s, text: () => text };
}

/** The report with its layout whitespace collapsed (the markup is formatted by Prettier; the text is not changed). */
const flat = (html: string) =>
  html
    .replace(/\s+/g, ' ')
    .replace(/> </g, '><')
    .replace(/ (\/?)>/g, '$1>');

const lines = (rows: readonly object[]) => rows.map((r) => JSON.stringify(r)).join('\n');

/** `vitrine eval` over two query files (English and Chinese) on a small catalog, with its HTML report. */
describe('vitrine eval with several query files and --report', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'eval-int-'));
    // Shoes and bags of the demo catalog with copies of their pictures (the import refuses links out of its folder).
    const products = readFileSync(DEMO_CATALOG, 'utf8')
      .trim()
      .split('\n')
      .filter((l) => /"category":"(Shoes|Bags)"/.test(l));
    mkdirSync(join(dir, 'images'));
    mkdirSync(join(dir, 'queries'));
    for (const line of products)
      for (const image of (JSON.parse(line) as { images: string[] }).images)
        copyFileSync(join(DEMO_DIR, image), join(dir, image));
    copyFileSync(join(DEMO_DIR, 'queries/hiking-boot.png'), join(dir, 'queries/hiking-boot.png'));
    writeFileSync(join(dir, 'products.jsonl'), products.join('\n'));
    writeFileSync(
      join(dir, 'en.jsonl'),
      lines([
        { id: 't-hiking-boot', text: 'hiking boot', relevant: ['VT-SHO-01297'] },
        { id: 't-backpack', text: 'backpack', relevant: ['VT-BAG-01293'] },
        // Every shoe answers it: the one expected is unlikely to come first.
        { id: 't-shoe', text: 'shoe', relevant: ['VT-SHO-01302'] },
        // Words about nothing the shop sells, and markup a report must show as text.
        { id: 't-markup', text: '<script>alert("x")</script> mortgage', relevant: ['VT-BAG-01175'] },
        { id: 'i-hiking-boot', image: 'queries/hiking-boot.png', relevant: ['VT-SHO-01297'] },
      ]),
    );
    writeFileSync(
      join(dir, 'zh.jsonl'),
      lines([
        { id: 'zh-hiking-boot', text: '登山靴', relevant: ['VT-SHO-01297'], lang: 'zh' },
        { id: 'zh-backpack', text: '背包', relevant: ['VT-BAG-01293'], lang: 'zh' },
      ]),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints metrics per language and writes a self-contained report with the worst queries in pictures', async () => {
    const out = sink();
    const err = sink();
    const config = loadConfig({ MODEL_DIR: DEMO_MODEL_DIR, LOG_LEVEL: 'silent' });
    const report = join(dir, 'report.html');
    const code = await runEval(
      {
        catalog: join(dir, 'products.jsonl'),
        queries: [join(dir, 'en.jsonl'), join(dir, 'zh.jsonl')],
        json: false,
        rerank: true,
        depth: 100,
        report,
      },
      config,
      out.stream,
      err.stream,
    );
    expect(code).toBe(0);
    // The text output has the per-language table: English text and picture queries, Chinese text queries.
    const byLanguage = out.text().split('by language\n')[1]!;
    expect(byLanguage).toMatch(/^en\s+text\s+4\s/m);
    expect(byLanguage).toMatch(/^en\s+image\s+1\s/m);
    expect(byLanguage).toMatch(/^zh\s+text\s+2\s/m);
    expect(err.text()).toContain(`report written to ${report}`);

    const html = flat(readFileSync(report, 'utf8'));
    for (const id of ['summary', 'recall', 'categories', 'languages', 'failures'])
      expect(html).toContain(`<section id="${id}">`);
    // Nothing is fetched: no external URL in a src or href, and the query's markup is shown as text.
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; mortgage');
    // The nonsense query is a failure case, with the product it expected and its top results as inline pictures.
    const failure = html.slice(html.indexOf('data-query-id="t-markup"'));
    expect(failure).toMatch(/^data-query-id="t-markup" data-rank="(?:miss|\d+)"/);
    expect(failure.slice(0, failure.indexOf('</article>'))).toContain('Atelier Bellhop Bell (VT-BAG-01175)');
    // The ambiguous query is a case too, with its first five results as inline pictures, worst cases first.
    const shoe = html.slice(html.indexOf('data-query-id="t-shoe"'));
    expect(
      shoe.slice(0, shoe.indexOf('</article>')).match(/<img src="data:image\/webp;base64,/g),
    ).toHaveLength(6);
    const words = html.slice(html.indexOf('id="failures-text"'), html.indexOf('id="failures-image"'));
    const ranks = [...words.matchAll(/data-rank="(miss|\d+)"/g)].map((m) =>
      m[1] === 'miss' ? Infinity : Number(m[1]),
    );
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
    expect(ranks).toContain(Infinity);
    // Every category of the catalog's expected products has its bars.
    expect(html).toMatch(/>Shoes \(n 4\)</);
    expect(html).toMatch(/>Bags \(n 3\)</);
  }, 180_000);

  it('prints the per-language table in JSON too', async () => {
    const out = sink();
    const config = loadConfig({ MODEL_DIR: DEMO_MODEL_DIR, LOG_LEVEL: 'silent' });
    await runEval(
      {
        catalog: join(dir, 'products.jsonl'),
        queries: [join(dir, 'en.jsonl'), join(dir, 'zh.jsonl')],
        json: true,
        rerank: true,
        depth: 20,
      },
      config,
      out.stream,
      sink().stream,
    );
    const summary = JSON.parse(out.text()) as {
      queries: { files: string[]; count: number };
      byLang: Record<string, { text?: { n: number }; image?: { n: number } }>;
    };
    expect(summary.queries.count).toBe(7);
    expect(summary.byLang.en).toEqual({
      text: expect.objectContaining({ n: 4 }),
      image: expect.objectContaining({ n: 1 }),
    });
    expect(summary.byLang.zh).toEqual({ text: expect.objectContaining({ n: 2 }) });
  }, 180_000);

  it('refuses a query id that two files share, naming both files', async () => {
    const again = join(dir, 'again.jsonl');
    writeFileSync(again, lines([{ id: 't-backpack', text: '背包', relevant: ['VT-BAG-01293'], lang: 'zh' }]));
    const config = loadConfig({ MODEL_DIR: DEMO_MODEL_DIR, LOG_LEVEL: 'silent' });
    await expect(
      runEval(
        {
          catalog: join(dir, 'products.jsonl'),
          queries: [join(dir, 'en.jsonl'), again],
          json: true,
          rerank: true,
          depth: 20,
        },
        config,
        sink().stream,
        sink().stream,
      ),
    ).rejects.toMatchObject({
      message: expect.stringContaining(`is in ${join(dir, 'en.jsonl')} and again in ${again}`),
    });
  });
});
