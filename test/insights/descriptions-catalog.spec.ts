import { ColourNamer, DEFAULT_VOCABULARIES, formatPrice, type StoredAttribute } from '@vitrine/attributes';
import { composeDescription, DESCRIPTION_STYLES, factSheet, findContradictions } from '@vitrine/descriptions';
import { demoProducts } from './demo-products';

/**
 * Generated descriptions never contradict catalog facts: every demo product, every style, checked against the
 * product's own fields. The mutations at the end show the check would notice if they did.
 */
describe('template descriptions of the demo catalog', () => {
  const products = demoProducts();
  const colours = new ColourNamer();
  const vocabulary = {
    colours,
    materials: [
      ...DEFAULT_VOCABULARIES.material.labels,
      ...products.flatMap((p) => (typeof p.attributes.material === 'string' ? [p.attributes.material] : [])),
    ],
    brands: [...new Set(products.flatMap((p) => (p.brand ? [p.brand] : [])))],
  };
  // A colour read from the picture for products whose catalog has none (food, drinks, garden, books).
  const pictureColour = (p: (typeof products)[number]): StoredAttribute[] => [
    {
      productId: p.id,
      attribute: 'colour',
      source: 'pixels',
      value: 'green',
      confidence: 0.9,
      modelId: 'pixels',
      contentHash: p.contentHash,
      details: {},
      extractedAt: new Date(0),
    },
  ];

  it('has products of every kind to check', () => {
    expect(products.length).toBeGreaterThan(400);
    expect(products.filter((p) => p.attributes.color === undefined).length).toBeGreaterThan(50);
  });

  it.each(DESCRIPTION_STYLES)('%s: no contradiction or unsupported claim for any product', (style) => {
    const problems: string[] = [];
    for (const p of products) {
      const facts = factSheet(p, pictureColour(p), 0.6);
      const text = composeDescription(style, facts);
      for (const c of findContradictions(text, p, facts, vocabulary))
        problems.push(`${p.sku}: ${JSON.stringify(c)}`);
      // Stated facts are the product's (brand); volatile ones (price, stock) are never baked into the text.
      if (p.price) expect(text).not.toContain(formatPrice(p.price));
      if (p.brand) expect(text).toContain(p.brand);
      expect(text.toLowerCase()).not.toMatch(/in stock|out of stock/);
    }
    expect(problems).toEqual([]);
  });

  it('the check catches a wrong colour, price or stock statement in every product it applies to', () => {
    let checked = 0;
    for (const p of products) {
      const facts = factSheet(p, pictureColour(p), 0.6);
      const text = composeDescription('detailed', facts);
      const colour = facts.find((f) => f.key === 'colour')!.value;
      const other = colours.names.find((c) => c !== colour && !p.title.toLowerCase().includes(c))!;
      const wrong = [
        text.replace(new RegExp(`\\b${colour}\\b`), other),
        // What a remote writer might add although the facts do not carry it.
        `${text} It costs ${p.price!.currency} ${(Number(p.price!.amount) + 1).toFixed(2)}.`,
        `${text} ${p.inStock ? 'Sold out.' : 'In stock now.'}`,
      ];
      for (const w of wrong) {
        expect(w).not.toBe(text);
        expect(findContradictions(w, p, facts, vocabulary).length).toBeGreaterThan(0);
        checked++;
      }
    }
    expect(checked).toBe(products.length * 3);
  });
});
