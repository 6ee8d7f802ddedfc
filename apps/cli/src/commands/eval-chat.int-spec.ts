import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '@vitrine/core';
import { DEMO_CATALOG, DEMO_DIR, DEMO_MODEL_DIR } from '../../../../test/support/indexing-app';
import { runEvalChat } from './eval-chat';

function sink() {
  const s = new PassThrough();
  let text = '';
  s.on('data', (c: Buffer) => (text += c.toString()));
  return { stream: s, text: () => text };
}

/** The real ChatService over an embedded setup: what the parser alone cannot measure is measured. */
describe('vitrine eval-chat through the chat service', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'eval-chat-int-'));
    // Shoes and bags with copies of their pictures (the import refuses links out of the catalog's folder).
    const lines = readFileSync(DEMO_CATALOG, 'utf8')
      .trim()
      .split('\n')
      .filter((l) => /"category":"(Shoes|Bags)"/.test(l));
    mkdirSync(join(dir, 'images'));
    for (const line of lines)
      for (const image of (JSON.parse(line) as { images: string[] }).images)
        copyFileSync(join(DEMO_DIR, image), join(dir, image));
    writeFileSync(join(dir, 'products.jsonl'), lines.join('\n'));
    writeFileSync(
      join(dir, 'set.jsonl'),
      [
        {
          id: 'en',
          lang: 'en',
          turns: [
            {
              user: 'shoes under 100 euros',
              intent: 'search',
              slots: { category: 'Shoes', priceMax: 100, currency: 'EUR' },
            },
            { user: 'only in stock', intent: 'refine', slots: { inStock: true } },
            { user: 'has the first one been recalled?', intent: 'question', ref: 1, abstain: true },
            { user: 'how much is the first one?', intent: 'question', ref: 1, abstain: false },
            { user: 'where is my order?', intent: 'out-of-scope' },
          ],
        },
        {
          id: 'zh',
          lang: 'zh',
          turns: [
            {
              user: '100欧元以下的包',
              intent: 'search',
              slots: { category: 'Bags', priceMax: 100, currency: 'EUR' },
            },
            { user: '第一个含铅吗？', intent: 'question', ref: 1, abstain: true },
          ],
        },
      ]
        .map((c) => JSON.stringify(c))
        .join('\n'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('measures abstention, answers and constraint violations of the real chat', async () => {
    const out = sink();
    const config = loadConfig({ MODEL_DIR: DEMO_MODEL_DIR, LOG_LEVEL: 'silent' });
    const args = {
      set: join(dir, 'set.jsonl'),
      catalog: join(dir, 'products.jsonl'),
      json: true,
      parserOnly: false,
    };
    expect(await runEvalChat(args, config, out.stream, sink().stream)).toBe(0);
    const { overall } = JSON.parse(out.text()) as {
      overall: {
        turns: number;
        abstention: { n: number; hits: number };
        knowableAnswered: { n: number; hits: number };
        violations: { hard: number; hardAgainstOwnFilters: number | null; turnsChecked: number };
        productsWhenNoneAsked: { n: number; hits: number };
      };
    };
    expect(overall.turns).toBe(7);
    // Recalls and lead are unknowable: never answered. The price is in the catalog: answered.
    expect(overall.abstention).toEqual(expect.objectContaining({ n: 2, hits: 2 }));
    expect(overall.knowableAnswered).toEqual(expect.objectContaining({ n: 1, hits: 1 }));
    // Every shown product was checked, and none breaks the price, currency, category or stock asked for.
    expect(overall.violations.turnsChecked).toBe(7);
    expect(overall.violations).toMatchObject({ hard: 0, hardAgainstOwnFilters: 0 });
    expect(overall.productsWhenNoneAsked).toEqual(expect.objectContaining({ n: 1, hits: 0 }));
  }, 120_000);

  it('refuses a catalog the import does not take whole: the labels would be about products the chat lacks', async () => {
    const broken = join(dir, 'broken.jsonl');
    writeFileSync(broken, `${readFileSync(join(dir, 'products.jsonl'), 'utf8')}\n{"sku":"X","title":`);
    const config = loadConfig({ MODEL_DIR: DEMO_MODEL_DIR, LOG_LEVEL: 'silent' });
    const args = { set: join(dir, 'set.jsonl'), catalog: broken, json: true, parserOnly: false };
    await expect(runEvalChat(args, config, sink().stream, sink().stream)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringMatching(/1 products rejected by the import \(line 17: /),
    });
  }, 120_000);
});
