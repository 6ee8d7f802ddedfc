import type { Product } from '@vitrine/catalog';
import { ColourNamer, DEFAULT_VOCABULARIES, formatPrice, type StoredAttribute } from '@vitrine/attributes';
import { findContradictions } from './contradictions';
import { DESCRIPTION_STYLES } from './description-style';
import { factSheet } from './fact-sheet';
import { composeDescription, SEO_MAX_CHARS } from './templates';

const product: Product = {
  id: '00000000-0000-4000-8000-000000000001',
  sku: 'MUG-1',
  title: 'Stoneware Mug',
  description: null,
  brand: 'Acme',
  category: 'Kitchen & Dining',
  price: { amount: '12.9', currency: 'EUR' },
  inStock: false,
  attributes: { color: 'red', material: 'ceramic', capacityMl: 350, popularity: 17 },
  images: [],
  contentHash: 'h1',
  createdAt: new Date(0),
  updatedAt: new Date(0),
};
const vocabulary = {
  colours: new ColourNamer(),
  materials: DEFAULT_VOCABULARIES.material.labels,
  brands: ['Acme', 'Globex'],
};
const stored = (over: Partial<StoredAttribute>): StoredAttribute => ({
  productId: product.id,
  attribute: 'pattern',
  value: 'striped',
  confidence: 0.9,
  source: 'zero-shot',
  modelId: 'clip@1',
  contentHash: 'h1',
  details: {},
  extractedAt: new Date(0),
  ...over,
});

describe('factSheet', () => {
  it('takes catalog facts, and picture facts only where the catalog is silent and the extraction is sure', () => {
    const facts = factSheet(
      product,
      [
        stored({ attribute: 'colour', value: 'blue', source: 'pixels', confidence: 0.99 }), // catalog says red
        stored({
          attribute: 'pattern',
          value: 'striped',
          confidence: 0.9,
          details: { calibrated: true, threshold: 0.8 },
        }),
        stored({
          attribute: 'style',
          value: 'vintage',
          confidence: 0.3,
          details: { calibrated: true, threshold: 0.2 },
        }), // too unsure
        stored({ attribute: 'material', value: 'glass', contentHash: 'old' }), // stale, and the catalog knows
      ],
      0.6,
    );
    const byKey = Object.fromEntries(facts.map((f) => [f.key, f.value]));
    expect(byKey).toEqual({
      title: 'Stoneware Mug',
      brand: 'Acme',
      category: 'Kitchen & Dining',
      colour: 'red',
      material: 'ceramic',
      pattern: 'striped',
      capacityMl: '350',
    });
    expect(facts.find((f) => f.key === 'pattern')).toMatchObject({ source: 'picture', confidence: 0.9 });
  });

  it('does not take an uncalibrated zero-shot value as a fact, however confident it says it is', () => {
    const bare = { ...product, attributes: {} };
    const facts = factSheet(bare, [stored({ attribute: 'material', value: 'glass', confidence: 0.99 })], 0.6);
    expect(facts.find((f) => f.key === 'material')).toBeUndefined();
    const calibrated = factSheet(
      bare,
      [
        stored({
          attribute: 'material',
          value: 'glass',
          confidence: 0.99,
          details: { calibrated: true, threshold: 0.8 },
        }),
      ],
      0.6,
    );
    expect(calibrated.find((f) => f.key === 'material')).toMatchObject({ value: 'glass', source: 'picture' });
  });

  it('takes a picture-read value as a fact only at or above its attribute\'s fitted threshold (a laptop is no "polka dot")', () => {
    const laptop = { ...product, title: 'Ultrabook 14', attributes: {} };
    const polka = (details: Record<string, number | boolean | null>, confidence = 0.97) =>
      factSheet(
        laptop,
        [stored({ attribute: 'pattern', value: 'polka dot', confidence, details })],
        0.6,
      ).find((f) => f.key === 'pattern');
    expect(polka({ calibrated: true })).toBeUndefined(); // no threshold fitted for pattern: never a fact
    expect(polka({ calibrated: true, threshold: null })).toBeUndefined();
    expect(polka({ calibrated: true, threshold: 0.98 })).toBeUndefined(); // below its own threshold
    expect(polka({ calibrated: true, threshold: 0.9 })).toMatchObject({ value: 'polka dot' });
  });
});

describe('composeDescription', () => {
  const facts = factSheet(product, [], 0.6);

  it.each(DESCRIPTION_STYLES)('%s states the facts and nothing that contradicts them', (style) => {
    const text = composeDescription(style, facts);
    expect(text).toContain('Stoneware Mug');
    expect(findContradictions(text, product, facts, vocabulary)).toEqual([]);
  });

  it('writes each style in its shape', () => {
    expect(composeDescription('short', facts)).toBe('Stoneware Mug by Acme, in red, made of ceramic.');
    expect(composeDescription('detailed', facts)).toBe(
      'Stoneware Mug from Acme, part of our Kitchen & Dining range. It is red and made of ceramic. ' +
        'Capacity ml: 350.',
    );
    expect(composeDescription('bullets', facts).split('\n')).toEqual([
      '- Stoneware Mug',
      '- Brand: Acme',
      '- Category: Kitchen & Dining',
      '- Colour: red',
      '- Material: ceramic',
      '- Capacity ml: 350',
    ]);
    const seo = composeDescription('seo', facts);
    expect(seo.length).toBeLessThanOrEqual(SEO_MAX_CHARS);
    expect(seo).toBe('Stoneware Mug by Acme. Red ceramic Kitchen & Dining.');
  });

  it('keeps SEO text within 160 characters by dropping whole parts', () => {
    const long = { ...product, title: 'A'.repeat(100), brand: 'B'.repeat(30) };
    const text = composeDescription('seo', factSheet(long, [], 0.6));
    expect(text.length).toBeLessThanOrEqual(SEO_MAX_CHARS);
    expect(text).toBe(`${'A'.repeat(100)} by ${'B'.repeat(30)}.`);
  });

  it.each(DESCRIPTION_STYLES)(
    '%s never bakes the price or the stock into the text (they change; the page shows them live)',
    (style) => {
      for (const inStock of [true, false]) {
        const p = { ...product, inStock, price: { amount: '59.9', currency: 'EUR' } };
        const text = composeDescription(style, factSheet(p, [], 0.6)).toLowerCase();
        expect(text).not.toMatch(/59\.9|eur|price|cost|in stock|out of stock|availab/);
      }
    },
  );

  it('writes "an" before a vowel sound ("an animal print pattern")', () => {
    const bare = { ...product, attributes: {} };
    const fact = (value: string) =>
      factSheet(
        bare,
        [
          stored({
            attribute: 'pattern',
            value,
            confidence: 0.95,
            details: { calibrated: true, threshold: 0.8 },
          }),
        ],
        0.6,
      );
    expect(composeDescription('detailed', fact('animal print'))).toContain('with an animal print pattern');
    expect(composeDescription('detailed', fact('striped'))).toContain('with a striped pattern');
  });
});

describe('formatPrice', () => {
  it('formats money with two decimals through Intl.NumberFormat, never a bare "59.9"', () => {
    expect(formatPrice({ amount: '59.9', currency: 'EUR' })).toBe('EUR 59.90');
    expect(formatPrice({ amount: '60', currency: 'EUR' })).toBe('EUR 60.00');
    expect(formatPrice({ amount: '1299.5', currency: 'USD' })).toBe('USD 1299.50');
    expect(formatPrice({ amount: '0.125', currency: 'EUR' })).toBe('EUR 0.125');
  });
});

describe('findContradictions', () => {
  const facts = factSheet(product, [], 0.6);
  const check = (text: string) => findContradictions(text, product, facts, vocabulary);

  it('flags a colour, material, price, availability, brand or size the product does not have', () => {
    expect(check('A blue mug.')).toEqual([
      { kind: 'contradiction', field: 'colour', found: 'blue', expected: 'red' },
    ]);
    expect(check('Made of glass.')).toEqual([
      { kind: 'contradiction', field: 'material', found: 'glass', expected: 'ceramic' },
    ]);
    expect(check('Only €9.99!')).toEqual([
      { kind: 'contradiction', field: 'price', found: '€9.99', expected: 'EUR 12.90' },
    ]);
    expect(check('Price: 12.90 USD')).toMatchObject([{ field: 'price', found: '12.90 USD' }]);
    expect(check('In stock and ready to ship.')).toMatchObject([
      { field: 'availability', found: 'in stock' },
    ]);
    expect(check('A mug by Globex.')).toMatchObject([{ field: 'brand', found: 'Globex' }]);
  });

  it('accepts the true facts however they are written', () => {
    expect(check('A RED ceramic mug for EUR 12.90, sadly out of stock. By Acme.')).toEqual([]);
    expect(check('€12.90, not in stock.')).toEqual([]);
  });

  it('does not read a fact phrase as a claim (a "Silver" brand is not a silver colour)', () => {
    const p = {
      ...product,
      brand: 'Silver Line',
      attributes: { color: 'black', material: 'sterling silver' },
    };
    const f = factSheet(p, [], 0.6);
    expect(findContradictions('Silver Line ring in sterling silver, black.', p, f, vocabulary)).toEqual([]);
    expect(findContradictions('A gray ring.', p, f, vocabulary)).toMatchObject([
      { field: 'colour', found: 'gray' },
    ]);
  });

  it('calls a claim the facts do not make unsupported', () => {
    const bare = { ...product, attributes: {}, price: null };
    expect(
      findContradictions('A green leather mug for $5.', bare, factSheet(bare, [], 0.6), vocabulary),
    ).toEqual([
      { kind: 'unsupported', field: 'colour', found: 'green' },
      { kind: 'unsupported', field: 'material', found: 'leather' },
      { kind: 'unsupported', field: 'price', found: '$5' },
    ]);
  });
});
