import { parseCatalogLine } from './catalog-line';

const valid = {
  sku: 'A-1',
  title: 'Red mug',
  images: ['img/mug.jpg'],
};
const parse = (value: unknown) => parseCatalogLine(typeof value === 'string' ? value : JSON.stringify(value));
const reason = (value: unknown): string => {
  const r = parse(value);
  if (r.ok) throw new Error('expected a rejection');
  return r.reason;
};

describe('parseCatalogLine', () => {
  it('normalises a valid line: trims, blank optionals become null, inStock defaults to true', () => {
    const r = parse({
      ...valid,
      sku: '  A-1 ',
      description: '   ',
      brand: ' Acme ',
      price: { amount: '019.900', currency: 'eur' },
    });
    expect(r).toEqual({
      ok: true,
      line: {
        sku: 'A-1',
        title: 'Red mug',
        description: null,
        brand: 'Acme',
        category: null,
        price: { amount: '19.9', currency: 'EUR' },
        inStock: true,
        attributes: {},
        imageRefs: ['img/mug.jpg'],
      },
    });
  });

  it('accepts an empty image list and JSON-number prices', () => {
    const r = parse({ ...valid, images: [], price: { amount: 4.99, currency: 'JPY' }, inStock: false });
    expect(r).toMatchObject({ ok: true, line: { imageRefs: [], price: { amount: '4.99' }, inStock: false } });
  });

  it.each([
    ['malformed JSON', '{"sku": "A-1", ', /^malformed JSON: /],
    ['a JSON array', '[1, 2]', /must be a JSON object/],
    ['a missing SKU', { title: 'x', images: [] }, /^sku: is required$/],
    ['an empty SKU', { ...valid, sku: '  ' }, /^sku: must not be empty$/],
    ['a numeric SKU', { ...valid, sku: 12 }, /^sku: must be a string, not number$/],
    ['a missing title', { sku: 'A', images: [] }, /^title: is required$/],
    ['a missing images key', { sku: 'A', title: 'x' }, /^images: is required \(may be empty: \[\]\)$/],
    [
      'a negative price',
      { ...valid, price: { amount: -1, currency: 'EUR' } },
      /^price.amount: must not be negative$/,
    ],
    [
      'a price in exponent form',
      { ...valid, price: { amount: 1e21, currency: 'EUR' } },
      /not a plain decimal/,
    ],
    ['too many decimals', { ...valid, price: { amount: '1.23456', currency: 'EUR' } }, /more than 4 decimal/],
    ['an unknown currency', { ...valid, price: { amount: 1, currency: 'XYZ' } }, /"XYZ" is not an ISO 4217/],
    ['a price without currency', { ...valid, price: { amount: 1 } }, /^price.currency: is required$/],
    ['an unknown field', { ...valid, titel: 'typo' }, /^unknown field\(s\): titel$/],
    ['inStock as a string', { ...valid, inStock: 'yes' }, /^inStock: must be true or false$/],
    [
      'a 501-character title',
      { ...valid, title: 't'.repeat(501) },
      /^title: must be at most 500 characters \(got 501\)$/,
    ],
    [
      'a long description',
      { ...valid, description: 'd'.repeat(20_001) },
      /^description: must be at most 20000/,
    ],
    [
      'attributes over 16 KB',
      { ...valid, attributes: { blob: 'a'.repeat(17_000) } },
      /^attributes: must be at most 16 KB/,
    ],
    ['attributes as an array', { ...valid, attributes: [1] }, /^attributes: must be an object/],
    ['a NUL character', { ...valid, title: 'a\u0000b' }, /NUL character/],
    [
      'a repeated image',
      { ...valid, images: ['a.jpg', 'b.jpg', 'a.jpg'] },
      /^images\[2\]: repeats images\[0\]$/,
    ],
    [
      '33 images',
      { ...valid, images: Array.from({ length: 33 }, (_, i) => `${i}.jpg`) },
      /at most 32 images/,
    ],
    ['an empty image entry', { ...valid, images: [''] }, /^images\[0\]: must not be empty$/],
  ])('rejects %s with a reason that names the field', (_name, input, expected) => {
    expect(reason(input)).toMatch(expected);
  });

  it.each([
    [
      'a SKU with a lone surrogate',
      { ...valid, sku: 'A-\uD800' },
      /^sku: must not contain a lone UTF-16 surrogate/,
    ],
    ['a SKU with a right-to-left override', { ...valid, sku: '\u202EA-1' }, /^sku: .*U\+202E at index 0/],
    ['a brand with a bidi isolate', { ...valid, brand: 'Acme\u2066' }, /^brand: .*bidirectional control/],
    ['a category with a right-to-left mark', { ...valid, category: 'Kit\u200Fchen' }, /^category: .*U\+200F/],
    ['a category with a lone surrogate', { ...valid, category: '\uDFFF' }, /^category: .*lone UTF-16/],
  ])('rejects %s, naming the field', (_name, input, expected) => {
    expect(reason(input)).toMatch(expected);
  });

  it('keeps SKUs that differ only in lone surrogates apart by refusing both (UTF-8 would make them one)', () => {
    expect(parse({ ...valid, sku: 'A-\uD800' }).ok).toBe(false);
    expect(parse({ ...valid, sku: 'A-\uDC00' }).ok).toBe(false);
  });

  it('stores SKU, brand and category in NFC; other text as given', () => {
    const r = parse({
      ...valid,
      sku: ' CAFE\u0301-1 ',
      brand: 'Cre\u0300me',
      category: 'Cafe\u0301',
      title: 'Cafe\u0301 mug',
    });
    expect(r).toMatchObject({
      ok: true,
      line: { sku: 'CAF\u00C9-1', brand: 'Cr\u00E8me', category: 'Caf\u00E9', title: 'Cafe\u0301 mug' },
    });
  });

  it('accepts a SKU with an emoji (a well-formed surrogate pair) and right-to-left letters', () => {
    expect(parse({ ...valid, sku: 'מג-\u{1F375}' }).ok).toBe(true);
  });

  it('says at which column a malformed line stops being JSON', () => {
    expect(reason('{"sku": "A-1", "title": "Mug", "images": [}')).toMatch(
      /^malformed JSON: .* \(at column 43\)$/,
    );
    expect(reason('{"sku": "A-1", ')).toMatch(/^malformed JSON: .* \(at column 16\)$/);
  });

  it('lists every problem of a line at once', () => {
    const r = reason({ sku: '', title: '', images: [], price: { amount: -1, currency: 'EUR' } });
    expect(r).toContain('sku: must not be empty');
    expect(r).toContain('title: must not be empty');
  });

  it('takes translations per BCP 47 tag, canonicalised, with a title each and an optional description', () => {
    const r = parse({
      ...valid,
      translations: { 'ZH-hans': { title: ' 红色马克杯 ', description: '' }, ja: { title: '赤いマグ' } },
    });
    expect(r.ok && r.line.translations).toEqual({
      'zh-Hans': { title: '红色马克杯', description: null },
      ja: { title: '赤いマグ', description: null },
    });
  });

  it('rejects a translation under a bad tag, naming it, and one without a title', () => {
    expect(reason({ ...valid, translations: { chinese_simplified: { title: 'x' } } })).toContain(
      '"chinese_simplified" is not a BCP 47 language tag',
    );
    expect(reason({ ...valid, translations: { zh: { description: 'x' } } })).toContain(
      'translations.zh.title: is required',
    );
    expect(reason({ ...valid, translations: { zh: { title: 'a' }, ZH: { title: 'b' } } })).toContain(
      'names the locale zh twice',
    );
  });
});
