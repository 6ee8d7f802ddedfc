import type { Product } from '@vitrine/catalog';
import type { ImageSource } from '@vitrine/embedding';
import {
  ColourNamer,
  DEFAULT_VOCABULARIES,
  withCategories,
  type ImageAnalyser,
  type VocabularyProvider,
} from '@vitrine/attributes';
import type { Answerer, VqaAnswer } from './answer';
import { QuestionRouter } from './question-router';
import { VqaService } from './vqa.service';

const vocab = withCategories(DEFAULT_VOCABULARIES, ['Food', 'Electronics']);

function product(overrides: Partial<Product>): Product {
  return {
    id: '00000000-0000-0000-0000-000000000001',
    sku: 'SKU-1',
    title: 'Margherita Pizza',
    description: 'Margherita Pizza, carefully sourced and packed the day it ships.',
    brand: 'Nonna',
    category: 'Food',
    price: { amount: '4.49', currency: 'EUR' },
    inStock: true,
    attributes: { weight: '350 g' },
    images: [{ uri: 'file:///pizza.png', position: 0 }],
    contentHash: 'h1',
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...overrides,
  } as Product;
}

/** The picture model as it behaved in the issue: a confident "No." to anything it is asked. */
const overconfident: Answerer = {
  id: 'embedded:test',
  answer: (q) =>
    Promise.resolve<VqaAnswer>({
      answer: 'No.',
      value: 'no',
      answered: true,
      confidence: 1,
      source: 'image-model',
      questionType: q.type,
      explanation: 'contrasting prompts',
    }),
};

function service(p: Product): VqaService {
  return new VqaService(
    {
      products: {
        getById: (id: string) => Promise.resolve(id === p.id ? p : null),
      },
      attributes: { forProduct: () => Promise.resolve([]) },
      images: { load: () => Promise.resolve(new Uint8Array([1])) } as unknown as ImageSource,
      analyser: { colours: () => Promise.resolve({}) } as unknown as ImageAnalyser,
      colours: new ColourNamer(),
      router: new QuestionRouter(() => vocab, new ColourNamer()),
      vocabularies: { get: () => Promise.resolve(vocab) } as unknown as VocabularyProvider,
      embedded: overconfident,
    },
    { minConfidence: 0.5, attributeMinConfidence: 0.5 },
  );
}

describe('answers that only say what Vitrine can know (issue 13)', () => {
  const pizza = product({});
  const ask = (q: string, p: Product = pizza) => service(p).askAboutProduct(p.id, q);

  it.each([
    ['Is it gluten free?', /allergen/],
    ['Does it contain nuts?', /allergen/],
    ['Has this product been recalled?', /recalled/],
    ['Is it safe for my baby?', /health|safe/],
    ['Is it vegan?', /ingredients/],
    ['Is it CE certified?', /certification/],
    ['Will it work with my iPhone?', /works with/],
    ['When will it be delivered?', /delivery/],
    ['Can I return it?', /return/],
    ['它含有坚果吗？', /过敏原/],
    ['这个产品被召回过吗？', /召回/],
    ['孕妇可以吃吗？', /健康/],
    ['可以退货吗？', /退/],
  ])('%j is not answered, and the reply says where to find out', async (q, what) => {
    const a = await ask(q);
    expect(a.answered).toBe(false);
    expect(a.value).toBeNull();
    expect(a.questionType).toBe('unknowable');
    expect(a.answer).not.toMatch(/^no\b/i);
    expect(a.answer).toMatch(what);
    expect(a.answer).toMatch(/check|请查看/i);
  });

  it.each([
    'Is it hypoallergenic?',
    'Is the first one ethically sourced?',
    'Is it ethically sourced?',
    'Is it handmade?',
    'Is it made of recycled plastic?',
    'Is it cruelty free?',
  ])('%j, a property no picture settles, is never answered "No" by the picture model', async (q) => {
    const a = await ask(q);
    expect(a.answered).toBe(false);
    expect(a.value).toBeNull();
    expect(a.answer).not.toMatch(/^no\b/i);
  });

  it.each(['Is it in stock?', '有货吗？'])(
    '%j is answered from the stock flag, which it quotes',
    async (q) => {
      const a = await ask(q);
      expect(a).toMatchObject({ answered: true, source: 'catalog' });
      expect(a.evidence).toEqual([{ field: 'inStock', text: 'true' }]);
    },
  );

  it('"How much does it weigh?" gets the weight, quoted from its attribute, not the price', async () => {
    const a = await ask('How much does it weigh?');
    expect(a).toMatchObject({ answered: true, questionType: 'size', value: '350 g', source: 'catalog' });
    expect(a.answer).not.toMatch(/EUR|4\.49/);
    expect(a.evidence).toEqual([{ field: 'attributes.weight', text: '350 g' }]);
  });

  it('a weight the catalog does not state is "can\'t tell", never a volume or a price', async () => {
    const a = await ask('How heavy is it?', product({ attributes: { volume: '500 ml' } }));
    expect(a.answered).toBe(false);
    expect(a.answer).toMatch(/does not state/);
  });

  const laptop = product({
    id: '00000000-0000-0000-0000-000000000002',
    title: 'Ultrabook 14',
    category: 'Electronics',
    description:
      'A 14-inch ultrabook with an aluminium body. Comes with a 2-year manufacturer warranty. Battery life up to 12 hours.',
    attributes: { color: 'silver' },
  });

  it('a warranty stated in the description is answered with the sentence and its field, not "No"', async () => {
    const a = await ask('Does it have a warranty?', laptop);
    expect(a).toMatchObject({
      answered: true,
      value: 'yes',
      questionType: 'catalog-text',
      source: 'catalog',
    });
    expect(a.answer).toContain('Comes with a 2-year manufacturer warranty.');
    expect(a.evidence).toEqual([
      { field: 'description', text: 'Comes with a 2-year manufacturer warranty.' },
    ]);
    const open = await ask('How long is the warranty?', laptop);
    expect(open).toMatchObject({ answered: true, value: 'Comes with a 2-year manufacturer warranty.' });
    const zh = await ask('保修多久？', laptop);
    expect(zh).toMatchObject({ answered: true, evidence: [{ field: 'description' }] });
    expect(zh.answer).toContain('2-year manufacturer warranty');
  });

  it('a warranty the catalog does not state is "can\'t tell", never "No"', async () => {
    const a = await ask('Does it have a warranty?');
    expect(a.answered).toBe(false);
    expect(a.answer).not.toMatch(/^no\b/i);
    expect(a.answer).toMatch(/does not state its warranty/);
  });

  it('catalog facts quote the field they come from', async () => {
    expect((await ask('How much is it?')).evidence).toEqual([{ field: 'price', text: 'EUR 4.49' }]);
    expect((await ask('Who makes it?')).evidence).toEqual([{ field: 'brand', text: 'Nonna' }]);
    expect((await ask('What colour is it?', laptop)).evidence).toEqual([
      { field: 'attributes.color', text: 'silver' },
    ]);
    const zh = await ask('多少钱？');
    expect(zh).toMatchObject({ answered: true, value: 'EUR 4.49', answer: '价格是 EUR 4.49。' });
  });

  it('a yes/no question the router cannot parse into something visible abstains instead of asking the picture', async () => {
    const a = await ask('Does it go well with red wine?');
    expect(a.answered).toBe(false);
  });

  it('an uploaded picture gets the same honesty: an allergen question is never answered', async () => {
    const a = await service(pizza).askAboutImage(new Uint8Array([1]), 'Is this gluten free?');
    expect(a).toMatchObject({ answered: false, value: null, questionType: 'unknowable' });
    expect(a.answer).toMatch(/allergen/);
  });

  it("routes the question without the product's own name: a safety pin's fabric is not a safety question", async () => {
    const pin = product({
      title: 'Comfort Safety Pin',
      category: 'Home & Household',
      description: 'A practical safety pin in plastic for a tidy home.',
      attributes: { material: 'plastic' },
    });
    const a = await ask('What material is the comfort safety pin?', pin);
    expect(a).toMatchObject({ answered: true, value: 'plastic', questionType: 'material' });
    expect(a.evidence).toEqual([{ field: 'attributes.material', text: 'plastic' }]);
    // The name's words still count when the question itself asks about safety.
    expect(await ask('Is the safety pin safe for children?', pin)).toMatchObject({
      answered: false,
      questionType: 'unknowable',
    });
  });

  it('answers a Chinese question in Chinese, keeping the value and its evidence', async () => {
    const a = await ask('这是什么颜色？', laptop);
    expect(a).toMatchObject({ answered: true, value: 'silver', answer: '颜色是银色（silver）。' });
    expect(a.evidence).toEqual([{ field: 'attributes.color', text: 'silver' }]);
    expect((await ask('是红色的吗？', laptop)).answer).toMatch(/^我无法判断/);
  });
});
