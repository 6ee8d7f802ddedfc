import * as fs from 'node:fs';
import * as path from 'node:path';
import { DomainError } from '@vitrine/core';
import { CLIP_REFERENCE, TINY_CLIP } from '../../test-fixtures/fixtures';
import type { TextConfig } from '../model/model-dir';
import { TextTokenizer } from './text-tokenizer';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Tokenizer } = require('@huggingface/tokenizers') as {
  Tokenizer: new (j: object, c: object) => { encode(t: string): { ids: number[] } };
};

const tinyJson = JSON.parse(fs.readFileSync(path.join(TINY_CLIP, 'tokenizer.json'), 'utf8')) as object;
const tinyText: TextConfig = { maxLength: 16, bosId: 2, eosId: 3, padId: 0, pooling: 'eos' };
const tiny = () => TextTokenizer.create('tiny', tinyJson, tinyText);

/** The slow, obviously right answer: tokenize everything, then cut keeping the end token. */
function reference(json: object, max: number, text: string): number[] {
  const ids = new Tokenizer(json, {}).encode(text).ids;
  return ids.length <= max ? ids : [...ids.slice(0, max - 1), ids[ids.length - 1] as number];
}

function invalid(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    return e as DomainError;
  }
  throw new Error('expected a MODEL_INVALID error');
}

describe('TextTokenizer', () => {
  it('takes start, end and pad ids from the tokenizer and config', () => {
    const t = tiny();
    expect([t.bosId, t.eosId, t.padId, t.maxLength]).toEqual([2, 3, 0, 16]);
    expect(t.encode('a photo of the cat')).toEqual([2, 5, 6, 7, 8, 9, 3]);
  });

  it('gives [start, end] for an empty string', () => {
    expect(tiny().encode('')).toEqual([2, 3]);
    expect(tiny().encode('   \n')).toEqual([2, 3]);
  });

  it('truncates to the context keeping the end token last', () => {
    const ids = tiny().encode('cat dog '.repeat(20));
    expect(ids).toHaveLength(16);
    expect(ids[0]).toBe(2);
    expect(ids[15]).toBe(3);
    expect(ids.slice(1, 15)).toEqual(Array.from({ length: 14 }, (_, i) => (i % 2 === 0 ? 9 : 10)));
  });

  it('pads to the full context or to the longest row, masking the padding', () => {
    const t = tiny();
    const full = t.encodeBatch(['cat', 'a red shoe'], 'max_length');
    expect([full.batch, full.length]).toEqual([2, 16]);
    expect(Array.from(full.ids.subarray(0, 16))).toEqual([2, 9, 3, ...Array<number>(13).fill(0)]);
    expect(Array.from(full.attentionMask.subarray(0, 16))).toEqual([1, 1, 1, ...Array<number>(13).fill(0)]);
    const longest = t.encodeBatch(['cat', 'a red shoe'], 'longest');
    expect(longest.length).toBe(5);
    expect(Array.from(longest.ids)).toEqual([2, 9, 3, 0, 0, 2, 5, 11, 13, 3]);
    expect(Array.from(longest.attentionMask)).toEqual([1, 1, 1, 0, 0, 1, 1, 1, 1, 1]);
  });

  it('handles a 100,000-character text by tokenizing only a prefix, with the same ids', () => {
    const words = ['cat', 'dog', 'red', 'shoe', 'running', 'the', 'a', 'hat,', 'bag.', '\n'];
    let text = '';
    for (let i = 0; text.length < 100_000; i++) text += `${words[(i * 7) % words.length]} `;
    const ids = tiny().encode(text);
    expect(ids).toHaveLength(16);
    expect(ids[15]).toBe(3);
    expect(ids).toEqual(reference(tinyJson, 16, text));
    const noSpaces = 'x'.repeat(100_000);
    expect(tiny().encode(noSpaces)).toEqual(reference(tinyJson, 16, noSpaces));
  });

  it('gives the same ids as tokenizing the whole text, whatever the length', () => {
    const t = tiny();
    const pool = ['cat', 'dogs', 'photo', 'x', 'zzzzzzzz', '!!', '-', '42', ' ', '\t', 'éa', '跑'];
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 200; n++) {
      let text = '';
      const words = Math.floor(rand() * 150);
      for (let i = 0; i < words; i++)
        text += pool[Math.floor(rand() * pool.length)] + (rand() < 0.7 ? ' ' : '');
      expect(t.encode(text)).toEqual(reference(tinyJson, 16, text));
    }
  });

  it('pads with the end token for Hugging Face legacy CLIP configs (bos 0, eos 2, pad 1)', () => {
    const t = TextTokenizer.create('tiny', tinyJson, { ...tinyText, bosId: 0, eosId: 2, padId: 1 });
    expect([t.bosId, t.eosId, t.padId]).toEqual([2, 3, 3]);
  });

  it('refuses a config whose end token disagrees with the tokenizer', () => {
    const e = invalid(() => TextTokenizer.create('tiny', tinyJson, { ...tinyText, eosId: 4 }));
    expect(e.code).toBe('MODEL_INVALID');
    expect(e.message).toContain('eos_token_id 4');
  });

  it('refuses a tokenizer that adds no start/end tokens', () => {
    const bare = { ...tinyJson, post_processor: null };
    expect(invalid(() => TextTokenizer.create('tiny', bare, tinyText)).code).toBe('MODEL_INVALID');
  });
});

// The real CLIP tokenizer is vendored reference data (libs/embedding/test-fixtures/clip-vit-b32, MIT). It is read
// unconditionally: a missing file fails this suite instead of skipping it.
describe('OpenAI CLIP tokenizer (vendored reference data)', () => {
  const json = JSON.parse(fs.readFileSync(path.join(CLIP_REFERENCE, 'tokenizer.json'), 'utf8')) as object;
  const cases = (
    JSON.parse(fs.readFileSync(path.join(CLIP_REFERENCE, 'reference_ids.json'), 'utf8')) as {
      cases: { text: string; ids: number[] }[];
    }
  ).cases;
  // What Hugging Face's openai/clip-vit-base-patch32 config.json says (legacy special ids).
  const clip = TextTokenizer.create('clip', json, {
    maxLength: 77,
    bosId: 0,
    eosId: 2,
    padId: 1,
    pooling: undefined,
  });

  it('uses <|startoftext|> 49406, <|endoftext|> 49407 and pads with 49407', () => {
    expect([clip.bosId, clip.eosId, clip.padId]).toEqual([49406, 49407, 49407]);
  });

  it('gives the reference ids for every case (truncated to 77 keeping the end token)', () => {
    expect(cases.length).toBeGreaterThan(5);
    for (const c of cases) {
      const want = c.ids.length <= 77 ? c.ids : [...c.ids.slice(0, 76), 49407];
      expect({ text: c.text, ids: clip.encode(c.text) }).toEqual({ text: c.text, ids: want });
    }
  });

  it('truncates a long text to 77 ids ending in 49407 and pads short ones with 49407', () => {
    const long = 'a photo of a red running shoe with white laces '.repeat(40);
    const ids = clip.encode(long);
    expect(ids).toHaveLength(77);
    expect(ids[76]).toBe(49407);
    expect(ids.slice(0, 76)).toEqual(new Tokenizer(json, {}).encode(long).ids.slice(0, 76));
    const b = clip.encodeBatch(['a photo of a cat', long], 'max_length');
    expect(Array.from(b.ids.subarray(0, 77))).toEqual([
      49406,
      320,
      1125,
      539,
      320,
      2368,
      49407,
      ...Array<number>(70).fill(49407),
    ]);
    expect(Array.from(b.attentionMask.subarray(0, 77)).filter((m) => m === 1)).toHaveLength(7);
    expect(Array.from(b.ids.subarray(77))).toEqual(ids);
  });

  it('stays exact and quick on 100,000 characters', () => {
    const text = 'Café crème — 12.5 oz, USB-C cable 2m (black) '.repeat(2300);
    expect(text.length).toBeGreaterThan(100_000);
    const ids = clip.encode(text);
    expect(ids).toHaveLength(77);
    expect(ids).toEqual(reference(json, 77, text.slice(0, 2000)));
  });
});
