import { productContentHash, type ContentFields } from './content-hash';

const base: ContentFields = {
  title: 'Red mug',
  description: 'Ceramic',
  brand: 'Acme',
  category: 'Kitchen',
  attributes: { colour: 'red', size: { h: 10, w: 8 } },
  images: ['https://x.test/a.jpg', 'https://x.test/b.jpg'],
};

describe('productContentHash', () => {
  it('is a sha256 hex digest, stable for the same content', () => {
    expect(productContentHash(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(productContentHash({ ...base })).toBe(productContentHash(base));
  });

  it('ignores the key order of attributes, at any depth (jsonb does not keep it)', () => {
    const reordered = { ...base, attributes: { size: { w: 8, h: 10 }, colour: 'red' } };
    expect(productContentHash(reordered)).toBe(productContentHash(base));
  });

  it.each<[string, Partial<ContentFields>]>([
    ['title', { title: 'Blue mug' }],
    ['description', { description: null }],
    ['brand', { brand: 'Other' }],
    ['category', { category: 'Office' }],
    ['an attribute value', { attributes: { colour: 'blue', size: { h: 10, w: 8 } } }],
    ['image order', { images: ['https://x.test/b.jpg', 'https://x.test/a.jpg'] }],
    ['an image', { images: ['https://x.test/a.jpg'] }],
  ])('changes with %s', (_field, change) => {
    expect(productContentHash({ ...base, ...change })).not.toBe(productContentHash(base));
  });

  it('does not confuse a field boundary (title "a b" + brand null vs title "a" + brand "b")', () => {
    expect(productContentHash({ ...base, title: 'a b', brand: null })).not.toBe(
      productContentHash({ ...base, title: 'a', brand: 'b' }),
    );
  });
});
