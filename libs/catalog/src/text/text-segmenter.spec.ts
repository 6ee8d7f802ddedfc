import { TextSegmenter } from './text-segmenter';

describe('TextSegmenter', () => {
  const s = new TextSegmenter();

  it('cuts Chinese into words and drops function words such as 的', () => {
    expect(s.segment('红色的鞋').words).toEqual(['红色', '鞋']);
    expect(s.segment('我想买一双红色的高跟鞋').words).toEqual(['红色', '高跟鞋']);
  });

  it('keeps the characters of longer words for recall (鞋 of 高跟鞋), not of single-character words', () => {
    expect(s.segment('高跟鞋').characters).toEqual(['高', '跟', '鞋']);
    expect(s.segment('鞋').characters).toEqual([]);
  });

  it('lower-cases other scripts into letter and digit runs', () => {
    expect(s.segment('Red 红色 Shoes, size 42').words).toEqual(['red', '红色', 'shoes', 'size', '42']);
    expect(s.segmentCjk('Red 红色 Shoes').words).toEqual(['红色']);
  });

  it('detects CJK in Chinese, Japanese and Korean text only', () => {
    expect(TextSegmenter.hasCjk('雨伞')).toBe(true);
    expect(TextSegmenter.hasCjk('かさ')).toBe(true);
    expect(TextSegmenter.hasCjk('우산')).toBe(true);
    expect(TextSegmenter.hasCjk('umbrella café')).toBe(false);
  });

  it('builds an OR query in which a word also matches all of its characters, never one alone', () => {
    expect(s.tsquery('红色的鞋')).toBe(`('红色' | ('红' & '色')) | '鞋'`);
    expect(s.tsquery('的 了')).toBeUndefined();
    expect(s.tsquery('red 鞋', { cjkOnly: true })).toBe(`'鞋'`);
  });

  it('quotes lexemes so that no input reaches tsquery syntax', () => {
    expect(s.tsquery("o'neil \\ & 鞋 | !")).toBe(`'o' | 'neil' | '鞋'`);
  });

  it('writes a weighted tsvector literal: words at their weight, characters at D', () => {
    expect(s.tsvector([{ text: '高跟鞋', weight: 'A' }])).toBe(`'高跟鞋':1A '高':2D '跟':3D '鞋':4D`);
    expect(s.tsvector([{ text: null, weight: 'A' }])).toBe('');
  });
});

describe('TextSegmenter modes', () => {
  const s = new TextSegmenter();
  it('indexes the shorter words inside a long one, and queries by whole words only', () => {
    expect(s.segment('咖啡杯')).toMatchObject({ words: ['咖啡杯'], parts: ['咖啡'] });
    expect(s.segment('量子力学', 'query').words).toEqual(['量子力学']);
    expect(s.tsquery('量子力学')).toBe(`('量子力学' | ('量' & '子' & '力' & '学'))`);
  });
});
