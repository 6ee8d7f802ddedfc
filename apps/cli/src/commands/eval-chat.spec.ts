import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { parseUtterance } from '@vitrine/nlu';
import { loadConfig } from '@vitrine/core';
import { flatSlots, parsedReference } from './chat-agents';
import { runEvalChat } from './eval-chat';

const ROOT = resolve(__dirname, '../../../..');
const SET = join(ROOT, 'data/eval/chat/conversations.jsonl');
const CATALOG = join(ROOT, 'data/demo-catalog/products.jsonl');

function sink() {
  const s = new PassThrough();
  let text = '';
  s.on('data', (c: Buffer) => (text += c.toString()));
  return { stream: s, text: () => text };
}

describe('vitrine eval-chat', () => {
  const config = loadConfig({});
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'eval-chat-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints intent accuracy, slot F1 per slot and reference accuracy per language on the repository set', async () => {
    const out = sink();
    const args = { set: SET, catalog: CATALOG, json: false, parserOnly: true };
    expect(await runEvalChat(args, config, out.stream)).toBe(0);
    const text = out.text();
    expect(text).toMatch(/\s+all\s+en\s+zh\n/);
    expect(text).toMatch(/conversations \/ turns\s+70 \/ 331\s+35 \/ 166\s+35 \/ 165/);
    expect(text).toMatch(/intent accuracy\s+\d+\.\d% \(\d+\/331\)/);
    expect(text).toMatch(/reference accuracy\s+\d+\.\d% \(\d+\/\d+\)/);
    for (const slot of [
      'category',
      'colour',
      'brand',
      'excludeBrand',
      'priceMax',
      'currency',
      'inStock',
      'sort',
    ])
      expect(text).toMatch(new RegExp(`\\n${slot}\\s+(\\d\\.\\d{3}|n/a)\\s+`));
    // A parser shows no products and answers nothing: those rows say so instead of a number.
    expect(text).toMatch(/abstained, unknowable questions\s+n\/a/);
    expect(text).toMatch(/hard constraint violations\s+n\/a/);
  });

  it('scores a set of its own in JSON', async () => {
    const set = join(dir, 'one.jsonl');
    writeFileSync(
      set,
      JSON.stringify({
        id: 'one',
        lang: 'en',
        turns: [
          {
            user: 'red sneakers under 50 euros',
            intent: 'search',
            slots: { category: 'Shoes', colour: 'red', priceMax: 50, currency: 'EUR' },
          },
          { user: 'is the second one waterproof?', intent: 'question', ref: 2, abstain: true },
        ],
      }) + '\n',
    );
    const out = sink();
    expect(
      await runEvalChat({ set, catalog: CATALOG, json: true, parserOnly: true }, config, out.stream),
    ).toBe(0);
    const json = JSON.parse(out.text()) as {
      set: { conversations: number; turns: number };
      overall: {
        intent: { n: number; hits: number };
        slots: { perSlot: Record<string, { tp: number; fn: number }> };
        references: { n: number; hits: number };
        abstention: { n: number; rate: number | null };
      };
    };
    expect(json.set).toMatchObject({ conversations: 1, turns: 2 });
    expect(json.overall.intent).toMatchObject({ n: 2, hits: 2 });
    expect(json.overall.slots.perSlot.priceMax).toMatchObject({ tp: 1, fn: 0 });
    expect(json.overall.slots.perSlot.currency).toMatchObject({ tp: 1, fn: 0 });
    expect(json.overall.references).toMatchObject({ n: 1, hits: 1 });
    // Not measured without the chat service: null in JSON, never a made-up 0 or 1.
    expect(json.overall.abstention).toMatchObject({ n: 0, rate: null });
  });

  it('writes a self-contained report: every scenario passes or fails, the failing turns say why', async () => {
    const set = join(dir, 'report-set.jsonl');
    writeFileSync(
      set,
      [
        { id: 'ok', lang: 'en', turns: [{ user: 'hello', intent: 'greeting' }] },
        {
          id: 'misread',
          lang: 'en',
          turns: [
            { user: 'red <b>sneakers</b> under 50 euros', intent: 'search', slots: { category: 'Shoes' } },
            { user: 'hello', intent: 'greeting' },
          ],
        },
      ]
        .map((c) => JSON.stringify(c))
        .join('\n'),
    );
    const report = join(dir, 'chat.html');
    const err = sink();
    const args = { set, catalog: CATALOG, json: false, parserOnly: true, report };
    expect(await runEvalChat(args, config, sink().stream, err.stream)).toBe(0);
    expect(err.text()).toContain(`report written to ${report}`);
    const html = readFileSync(report, 'utf8').replace(/\s+/g, ' ').replace(/> </g, '><');
    expect(html).toContain('Scenarios: 1 pass, 1 fail');
    expect(html).toContain(
      '<li data-verdict="pass"><span class="pass">✓</span> ok <span class="meta">en · 1 turn</span></li>',
    );
    // The parser reads colour and price the label left out: extra slots fail the first turn, not the second.
    const misread = html.slice(html.indexOf('data-conversation="misread"'));
    expect(misread).toContain('1 of 2 turns failing');
    expect(misread).toContain('“red &lt;b&gt;sneakers&lt;/b&gt; under 50 euros”');
    expect(misread).toContain('<li>colour: expected (none), got &quot;red&quot;</li>');
    expect(html).not.toMatch(/<script|<b>sneakers|\b(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
  });

  it('names the line of a malformed conversation', async () => {
    const set = join(dir, 'bad.jsonl');
    writeFileSync(set, '{"id":"x","lang":"fr","turns":[]}\n');
    await expect(
      runEvalChat({ set, catalog: CATALOG, json: false, parserOnly: true }, config, sink().stream),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/line 1: lang/) });
  });
});

describe('the parser in the evaluation’s terms', () => {
  it('splits price into bounds and currency, and keeps "not that brand" as @focus', () => {
    expect(flatSlots(parseUtterance('red sneakers under 50 euros'))).toMatchObject({
      colour: 'red',
      priceMax: 50,
      currency: 'EUR',
    });
    expect(flatSlots(parseUtterance('not that brand'))).toEqual({ excludeBrand: '@focus' });
    expect(flatSlots(parseUtterance('any colour'))).toEqual({ colour: null });
  });

  it('places ordinals, "it" and "the cheaper of the two" in the result list', () => {
    const ctx = { resultList: [], focus: { positions: [3] } };
    expect(parsedReference(parseUtterance('is the second one waterproof?'), ctx)).toEqual({ positions: [2] });
    expect(parsedReference(parseUtterance('is it in stock?'), ctx)).toEqual({ positions: [3] });
    expect(parsedReference(parseUtterance('compare the first two'), ctx)).toEqual({ positions: [1, 2] });
    expect(parsedReference(parseUtterance('hello'), ctx)).toBeUndefined();
  });
});
