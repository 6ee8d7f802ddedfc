import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LIST_INTENTS, parseConversationSet, type ChatConversation } from './conversation-set';

const ROOT = join(__dirname, '../../../..');
const SET = join(ROOT, 'data/eval/chat/conversations.jsonl');
const HELD_OUT = join(ROOT, 'data/eval/chat/held-out.jsonl');

describe('conversation set parsing', () => {
  it('names the line and the field of a bad conversation', () => {
    const good = JSON.stringify({ id: 'a', lang: 'en', turns: [{ user: 'hi', intent: 'greeting' }] });
    expect(() =>
      parseConversationSet(
        `${good}\n${JSON.stringify({ id: 'b', lang: 'en', turns: [{ user: 'x', intent: 'buy' }] })}`,
      ),
    ).toThrow(/line 2: turns\.0\.intent/);
    expect(() => parseConversationSet(`${good}\n${good}`)).toThrow(/line 2: id "a" repeats/);
    expect(() => parseConversationSet('{"id":')).toThrow(/line 1/);
    expect(() =>
      parseConversationSet(
        JSON.stringify({ id: 'a', lang: 'en', turns: [{ user: 'hi', intent: 'greeting', abstain: true }] }),
      ),
    ).toThrow(/abstain is only for questions/);
    expect(() => parseConversationSet('\n')).toThrow(/no conversation/);
    expect(() =>
      parseConversationSet(JSON.stringify({ id: 'a', lang: 'en', turns: [{ user: ' ', intent: 'search' }] })),
    ).toThrow(/a turn without a picture needs words/);
    const [picture] = parseConversationSet(
      JSON.stringify({ id: 'p', lang: 'en', turns: [{ user: '', image: 'q/shoe.png', intent: 'similar' }] }),
      'set',
      '/sets',
    );
    expect(picture!.turns[0]!.image).toBe('/sets/q/shoe.png');
  });
});

describe('data/eval/chat (the ground truth of vitrine eval-chat)', () => {
  const read = (file: string): ChatConversation[] =>
    parseConversationSet(readFileSync(file, 'utf8'), file, dirname(file));
  const set = read(SET);
  const heldOut = read(HELD_OUT);
  const turns = set.flatMap((c) => c.turns.map((t) => ({ ...t, lang: c.lang })));
  const allTurns = [...set, ...heldOut].flatMap((c) => c.turns.map((t) => ({ ...t, lang: c.lang })));
  const catalog = readFileSync(join(ROOT, 'data/demo-catalog/products.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { category: string; brand: string; price: { currency: string } });

  it('is large enough and in both languages, roughly half each', () => {
    expect(set.length).toBeGreaterThanOrEqual(60);
    expect(turns.length).toBeGreaterThanOrEqual(250);
    const zh = set.filter((c) => c.lang === 'zh').length;
    expect(zh / set.length).toBeGreaterThan(0.4);
    expect(zh / set.length).toBeLessThan(0.6);
  });

  it('keeps a held-out set in both languages whose phrasings the main set does not have', () => {
    expect(heldOut.length).toBeGreaterThanOrEqual(10);
    expect(new Set(heldOut.map((c) => c.lang))).toEqual(new Set(['en', 'zh']));
    const seen = new Set(turns.map((t) => t.user.trim().toLowerCase()).filter((u) => u !== ''));
    const ids = new Set(set.map((c) => c.id));
    for (const c of heldOut) {
      expect(ids.has(c.id)).toBe(false);
      for (const t of c.turns)
        if (t.user.trim() !== '') expect(seen.has(t.user.trim().toLowerCase())).toBe(false);
    }
  });

  it('writes Chinese turns in Chinese', () => {
    for (const t of allTurns.filter((x) => x.lang === 'zh' && x.user !== ''))
      expect(t.user).toMatch(/[\u4e00-\u9fff]/);
  });

  it('covers every intent, unknowable and knowable questions, and every kind of reference, in both languages', () => {
    for (const lang of ['en', 'zh']) {
      const mine = turns.filter((t) => t.lang === lang);
      for (const intent of [
        'search',
        'refine',
        'sort',
        'show-more',
        'question',
        'compare',
        'similar',
        'start-over',
        'greeting',
        'help',
        'out-of-scope',
      ])
        expect(mine.filter((t) => t.intent === intent).length).toBeGreaterThanOrEqual(3);
      expect(mine.filter((t) => t.abstain === true).length).toBeGreaterThanOrEqual(15);
      expect(mine.filter((t) => t.abstain === false).length).toBeGreaterThanOrEqual(10);
      expect(
        mine.filter((t) => typeof t.ref === 'object' && 'cheaperOf' in t.ref).length,
      ).toBeGreaterThanOrEqual(2);
      expect(mine.filter((t) => Array.isArray(t.ref)).length).toBeGreaterThanOrEqual(3);
    }
  });

  it('sends pictures that exist, in both languages, with and without words', () => {
    for (const t of allTurns) if (t.image !== undefined) expect(existsSync(t.image)).toBe(true);
    const pictures = turns.filter((t) => t.image !== undefined);
    for (const lang of ['en', 'zh']) {
      expect(pictures.filter((t) => t.lang === lang && t.user === '').length).toBeGreaterThanOrEqual(1);
      expect(pictures.filter((t) => t.lang === lang && t.user !== '').length).toBeGreaterThanOrEqual(2);
    }
  });

  it('uses the demo catalog’s categories, brands and currencies', () => {
    const categories = new Set(catalog.map((p) => p.category));
    const brands = new Set(catalog.map((p) => p.brand));
    for (const t of allTurns) {
      if (typeof t.slots.category === 'string') expect(categories).toContain(t.slots.category);
      if (typeof t.slots.brand === 'string') expect(brands).toContain(t.slots.brand);
      if (typeof t.slots.excludeBrand === 'string' && t.slots.excludeBrand !== '@focus')
        expect(brands).toContain(t.slots.excludeBrand);
      if (t.slots.currency !== undefined) expect(['EUR', 'USD', 'CNY']).toContain(t.slots.currency);
    }
  });

  it('refers only to products after a result list was shown, and never across a start-over', () => {
    for (const c of [...set, ...heldOut]) {
      let listShown = false;
      for (const t of c.turns) {
        if (t.ref !== undefined)
          expect({ id: c.id, user: t.user, listShown }).toEqual({ id: c.id, user: t.user, listShown: true });
        if (LIST_INTENTS.has(t.intent)) listShown = true;
        if (t.intent === 'start-over') listShown = false;
      }
    }
  });
});
