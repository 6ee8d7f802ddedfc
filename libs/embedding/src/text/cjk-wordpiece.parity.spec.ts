import * as fs from 'node:fs';
import * as path from 'node:path';
import { TextTokenizer } from './text-tokenizer';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Tokenizer } = require('@huggingface/tokenizers') as {
  Tokenizer: new (j: object, c: object) => { encode(t: string): { ids: number[] } };
};

/** Built and labelled by tools/demo-model/make_parity_fixture.py (see the folder's README for its licence). */
const FIXTURE = path.join(__dirname, '..', '..', 'test-fixtures', 'multilingual-wordpiece');
const json = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'tokenizer.json'), 'utf8')) as {
  model: { vocab: Record<string, number> };
};
const reference = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'reference.json'), 'utf8')) as {
  cases: { text: string; ids: number[] }[];
};
const UNK = 1;
const isCjk = (s: string) => /^[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff]$/u.test(s);

describe('multilingual WordPiece: @huggingface/tokenizers vs the Python tokenizer the demo model trains with', () => {
  const tok = new Tokenizer(json, {});

  it('has about 200 reference strings, Chinese and Japanese among them', () => {
    expect(reference.cases.length).toBeGreaterThanOrEqual(200);
    expect(reference.cases.filter((c) => /[\u4e00-\u9fff]/u.test(c.text)).length).toBeGreaterThanOrEqual(20);
    expect(reference.cases.filter((c) => /[\u3040-\u30ff]/u.test(c.text)).length).toBeGreaterThanOrEqual(10);
  });

  it.each(reference.cases.map((c) => [c.text, c.ids] as const))('gives the same ids for %j', (text, ids) => {
    expect(tok.encode(text).ids).toEqual(ids);
  });

  it('gives every CJK character of the vocabulary a token of its own, never [UNK]', () => {
    const chars = Object.entries(json.model.vocab).filter(([t]) => isCjk(t));
    expect(chars.length).toBeGreaterThan(300);
    for (const [ch, id] of chars) expect(tok.encode(ch).ids).toEqual([2, id, 3]);
    const sentence = chars
      .slice(0, 20)
      .map(([ch]) => ch)
      .join('');
    expect(tok.encode(sentence).ids).not.toContain(UNK);
    expect(tok.encode(sentence).ids).toHaveLength(22);
  });

  it("loads in Vitrine's TextTokenizer and truncates Chinese to the context keeping [SEP] last", () => {
    const t = TextTokenizer.create('multilingual-wordpiece', json, {
      maxLength: 32,
      bosId: 2,
      eosId: 3,
      padId: 0,
      pooling: 'eos',
    });
    const long = reference.cases.find((c) => c.ids.length > 32 && /[\u4e00-\u9fff]/u.test(c.text));
    expect(long).toBeDefined();
    const ids = t.encode(long?.text ?? '');
    expect(ids).toHaveLength(32);
    expect(ids).toEqual([...(long?.ids ?? []).slice(0, 31), 3]);
  });
});
