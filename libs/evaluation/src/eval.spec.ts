import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { categoryVote } from '@vitrine/vqa';
import { readCatalogProducts } from './catalog-file';
import { catalogReferences, readReferences } from './descriptions/description-eval';
import { buildQuestions, conceptOf, wilson } from './vqa/vqa-eval';

describe('evaluation helpers', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vitrine-eval-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('wilson gives the textbook interval', () => {
    // 50 of 100: 0.5 ± about 0.097 (Wilson score interval, z = 1.96).
    const [lo, hi] = wilson(50, 100);
    expect(lo).toBeCloseTo(0.4038, 3);
    expect(hi).toBeCloseTo(0.5962, 3);
    expect(wilson(0, 0)).toEqual([0, 0]);
  });

  it('conceptOf reads the concept from a picture name', () => {
    expect(conceptOf('file:///x/images/cherry-blossom-2.png')).toBe('cherry blossom');
    expect(conceptOf('images/1st-place-medal.png')).toBe('1st place medal');
  });

  it('categoryVote weighs neighbours by a softmax of their similarity', () => {
    const near = [
      { id: 'a', category: 'Food', similarity: 0.9 },
      { id: 'b', category: 'Toys', similarity: 0.8 },
      { id: 'c', category: 'Toys', similarity: 0.8 },
      { id: 'd', category: null, similarity: 0.95 },
    ];
    // Flat weights: two votes beat one.
    expect(categoryVote(near, 0)[0]).toEqual({ value: 'Toys', probability: 2 / 3 });
    // Sharp weights: the nearest wins.
    const sharp = categoryVote(near, 100);
    expect(sharp[0]!.value).toBe('Food');
    expect(sharp.reduce((s, c) => s + c.probability, 0)).toBeCloseTo(1, 12);
    expect(categoryVote([{ id: 'x', category: null, similarity: 1 }], 10)).toEqual([]);
  });

  it('reads references and refuses malformed lines with their number', () => {
    const file = join(dir, 'refs.jsonl');
    writeFileSync(file, '{"sku":"A","references":["one","two"]}\n\n{"sku":"B","reference":"three"}\n');
    expect(readReferences(file)).toEqual(
      new Map([
        ['A', ['one', 'two']],
        ['B', ['three']],
      ]),
    );
    writeFileSync(file, '{"sku":"A","references":["ok"]}\n{"sku":"B","references":[]}\n');
    expect(() => readReferences(file)).toThrow(/line 2/);
  });

  it('reads a catalog file as products, and builds a balanced question set from it', async () => {
    const catalog = join(dir, 'c.jsonl');
    const img = join(__dirname, '../../../data/demo-catalog/images');
    writeFileSync(
      catalog,
      [
        {
          sku: 'A',
          title: 'Red Thing',
          category: 'Toys',
          attributes: { color: 'red', material: 'wood' },
          images: [`${img}/balloon.png`],
        },
        {
          sku: 'B',
          title: 'Blue Thing',
          category: 'Food',
          attributes: { color: 'blue' },
          images: [`${img}/jeans.png`],
        },
      ]
        .map((l) => JSON.stringify({ ...l, images: l.images.map((i) => i.replace(`${img}/`, 'images/')) }))
        .join('\n'),
    );
    // Pictures resolve against the file's folder, as the import resolves them.
    expect(() => readCatalogProducts(catalog)).not.toThrow();
    const products = readCatalogProducts(catalog).map((p) => ({
      ...p,
      images: p.images.map((i) => ({ ...i, uri: i.uri.replace(`file://${dir}/images`, `file://${img}`) })),
    }));
    expect(catalogReferences(products).size).toBe(0);
    const pictures = new Map(
      products.map((p) => [p.sku, `${img}/${p.sku === 'A' ? 'balloon' : 'jeans'}.png`]),
    );
    const qs = await buildQuestions(products, pictures, ['red', 'blue', 'green']);
    const yesNo = qs.filter((q) => q.types.includes('yes-no'));
    expect(yesNo.filter((q) => q.expected === 'yes')).toHaveLength(yesNo.length / 2);
    expect(qs.find((q) => q.sku === 'A' && q.question === 'What is it made of?')?.expected).toBe('wood');
    expect(qs.find((q) => q.sku === 'B' && q.question === 'What kind of product is this?')?.expected).toBe(
      'Food',
    );
    // The same catalog gives the same questions.
    expect(await buildQuestions(products, pictures, ['red', 'blue', 'green'])).toEqual(qs);
  });

  it('names the bad line of a catalog file', () => {
    const catalog = join(dir, 'bad.jsonl');
    writeFileSync(catalog, '{"sku":"A","title":"x","images":[]}\n{"sku":"B"}\n');
    expect(() => readCatalogProducts(catalog)).toThrow(/line 2/);
  });
});
