import { parseUtterance } from './parse-utterance';
import type { Vocabulary } from './types';

const vocabulary: Vocabulary = {
  brands: ['Kicklab', 'Pathfinder Footwear', 'Bloom & Root'],
  categories: ['Shoes', 'Bags', 'Clothing', 'Electronics', 'Food', 'Garden & Plants'],
};
const parse = (text: string) => parseUtterance(text, vocabulary);

describe('parseUtterance (English)', () => {
  it('reads a search with colour, category and a price bound in a currency', () => {
    expect(parse('red sneakers under 50 euros')).toEqual({
      lang: 'en',
      intent: 'search',
      slots: { colour: 'red', category: 'Shoes', price: { max: 50, currency: 'EUR' }, query: 'red sneakers' },
    });
  });

  it.each([
    ['under €50', { max: 50, currency: 'EUR' }],
    ['less than 30 dollars', { max: 30, currency: 'USD' }],
    ['$30 or less', { max: 30, currency: 'USD' }],
    ['between 20 and 80 dollars', { min: 20, max: 80, currency: 'USD' }],
    ['over 100 euros', { min: 100, currency: 'EUR' }],
    ['nothing over 80 euros', { max: 80, currency: 'EUR' }],
    ['shoes, not above $50 please', { max: 50, currency: 'USD' }],
    ['below 25', { max: 25 }],
    ['cheaper', { relative: 'cheaper' }],
    ['something more expensive', { relative: 'pricier' }],
  ])('reads the price in "%s"', (text, price) => {
    expect(parse(text).slots.price).toEqual(price);
  });

  it.each([
    ['cheaper', 'refine', {}],
    ['only in stock', 'refine', { inStock: true }],
    ['in blue instead', 'refine', { colour: 'blue' }],
    ['not that brand', 'refine', { excludeBrand: '@focus' }],
    ['sneakers not Kicklab', 'search', { excludeBrand: 'Kicklab', category: 'Shoes' }],
    ['shoes by Pathfinder Footwear', 'search', { brand: 'Pathfinder Footwear', category: 'Shoes' }],
    ['sort by price', 'sort', { sort: 'price-asc' }],
    ['most expensive first', 'sort', { sort: 'price-desc' }],
    ['show more', 'show-more', {}],
    ['start over', 'start-over', {}],
    ['hello', 'greeting', {}],
    ['what can you do?', 'help', {}],
  ])('"%s" is %s', (text, intent, slots) => {
    const turn = parse(text);
    expect(turn.intent).toBe(intent);
    expect(turn.slots).toMatchObject(slots);
  });

  it.each([
    ['the second one', [{ kind: 'ordinal', index: 1 }]],
    ['that one', [{ kind: 'focus' }]],
    ['the last one', [{ kind: 'ordinal', index: -1 }]],
    ['the cheaper of the two', [{ kind: 'cheapest', among: 2 }]],
    ['tell me about number 3', [{ kind: 'ordinal', index: 2 }]],
  ])('resolves nothing yet but records the reference in "%s"', (text, references) => {
    const turn = parse(text);
    expect(turn.intent).toBe('question');
    expect(turn.slots.references).toEqual(references);
    expect(turn.slots.question).toBeUndefined();
  });

  it('routes a question about a product with the reference replaced by "it"', () => {
    expect(parse('Is the first one waterproof?')).toEqual({
      lang: 'en',
      intent: 'question',
      slots: { references: [{ kind: 'ordinal', index: 0 }], question: 'is it waterproof?' },
    });
    expect(parse('what colour is it?').slots).toEqual({
      references: [{ kind: 'focus' }],
      question: 'what colour is it?',
    });
  });

  it('reads comparisons and similar-product requests with their references', () => {
    expect(parse('compare the first two')).toEqual({
      lang: 'en',
      intent: 'compare',
      slots: {
        references: [
          { kind: 'ordinal', index: 0 },
          { kind: 'ordinal', index: 1 },
        ],
      },
    });
    expect(parse('more like the third')).toEqual({
      lang: 'en',
      intent: 'similar',
      slots: { references: [{ kind: 'ordinal', index: 2 }] },
    });
    expect(parse('something like this but in red').slots).toMatchObject({ colour: 'red' });
  });

  it.each([
    ['where is my order?', 'order-status'],
    ['can I return it?', 'returns'],
    ['how do I pay with paypal', 'payment'],
    ['how long does delivery take?', 'delivery'],
  ])('"%s" is out of scope (%s), not a product search', (text, topic) => {
    expect(parse(text)).toMatchObject({ intent: 'out-of-scope', slots: { topic } });
  });

  it('"do you have a backpack?" searches, it does not ask about a product', () => {
    expect(parse('do you have a backpack?')).toMatchObject({ intent: 'search', slots: { category: 'Bags' } });
  });

  it('leaves categories the catalog does not have unset', () => {
    expect(parseUtterance('a guitar', { brands: [], categories: ['Shoes'] }).slots.category).toBeUndefined();
  });
});

describe('parseUtterance (Simplified Chinese)', () => {
  it('reads a search with price, currency, colour and category', () => {
    expect(parse('50欧元以下的红色运动鞋')).toEqual({
      lang: 'zh',
      intent: 'search',
      slots: { colour: 'red', category: 'Shoes', price: { max: 50, currency: 'EUR' }, query: 'red sneakers' },
    });
  });

  it.each([
    ['便宜点', 'refine', { price: { relative: 'cheaper' } }],
    ['只要有货的', 'refine', { inStock: true }],
    ['换成蓝色的', 'refine', { colour: 'blue' }],
    ['不要这个牌子', 'refine', { excludeBrand: '@focus' }],
    ['按价格排序', 'sort', { sort: 'price-asc' }],
    ['价格从高到低', 'sort', { sort: 'price-desc' }],
    ['更多', 'show-more', {}],
    ['重新开始', 'start-over', {}],
    ['你好', 'greeting', {}],
    ['你能做什么', 'help', {}],
    ['我的订单到哪了', 'out-of-scope', { topic: 'order-status' }],
    ['怎么退货', 'out-of-scope', { topic: 'returns' }],
    ['100到200美元的背包', 'search', { price: { min: 100, max: 200, currency: 'USD' }, category: 'Bags' }],
  ])('"%s" is %s', (text, intent, slots) => {
    const turn = parse(text);
    expect(turn).toMatchObject({ lang: 'zh', intent, slots });
  });

  it('reads references and product questions', () => {
    expect(parse('第二个').slots.references).toEqual([{ kind: 'ordinal', index: 1 }]);
    expect(parse('两个中便宜的那个').slots.references).toEqual([{ kind: 'cheapest', among: 2 }]);
    expect(parse('第一个防水吗？')).toEqual({
      lang: 'zh',
      intent: 'question',
      slots: { references: [{ kind: 'ordinal', index: 0 }], question: '它防水吗?' },
    });
    expect(parse('比较前两个')).toMatchObject({
      intent: 'compare',
      slots: {
        references: [
          { kind: 'ordinal', index: 0 },
          { kind: 'ordinal', index: 1 },
        ],
      },
    });
    expect(parse('和第三个类似的')).toMatchObject({
      intent: 'similar',
      slots: { references: [{ kind: 'ordinal', index: 2 }] },
    });
  });
});

describe('parseUtterance: questions, similar, clearing and courtesy', () => {
  it.each([
    ['is it in stock?', [{ kind: 'focus' }]],
    ['is the first one in stock?', [{ kind: 'ordinal', index: 0 }]],
    ['which of the two is cheaper?', [{ kind: 'cheapest', among: 2 }]],
    ['它有货吗？', [{ kind: 'focus' }]],
    ['这两个哪个便宜？', [{ kind: 'cheapest', among: 2 }]],
    ['多久能发货？', [{ kind: 'focus' }]],
  ])('"%s" asks about a product, it sets no stock filter', (text, references) => {
    const turn = parse(text);
    expect(turn.intent).toBe('question');
    expect(turn.slots.references).toEqual(references);
    expect(turn.slots.inStock).toBeUndefined();
  });

  it.each(['show me something similar', 'more like this', '有类似的吗'])(
    '"%s" is similar to the product in focus',
    (text) => {
      expect(parse(text)).toMatchObject({ intent: 'similar', slots: { references: [{ kind: 'focus' }] } });
    },
  );

  it.each([
    ['ok, any colour then', ['colour']],
    ['颜色无所谓', ['colour']],
  ])('"%s" drops a constraint', (text, clear) => {
    expect(parse(text)).toMatchObject({ intent: 'refine', slots: { clear } });
  });

  it.each([
    ['thanks, bye', 'greeting'],
    ['好的，谢谢', 'greeting'],
    ['what do you sell?', 'help'],
    ['你们卖什么？', 'help'],
    ['重新来', 'start-over'],
    ['怎么查快递？', 'out-of-scope'],
    ['便宜一点的', 'refine'],
  ])('"%s" is %s', (text, intent) => {
    expect(parse(text).intent).toBe(intent);
  });

  it('reads "the cheapest bags" as bags by price, and keeps product words out of questions and complaints', () => {
    expect(parse('show me the cheapest bags')).toMatchObject({
      intent: 'search',
      slots: { category: 'Bags', sort: 'price-asc' },
    });
    expect(parse('最便宜的包')).toMatchObject({
      intent: 'search',
      slots: { category: 'Bags', sort: 'price-asc' },
    });
    expect(parse('I want to return the jacket I bought last week').slots).toEqual({ topic: 'returns' });
    expect(parse('in dollars under 15')).toMatchObject({
      intent: 'refine',
      slots: { price: { max: 15, currency: 'USD' } },
    });
  });
});

describe('parseUtterance: punctuation between words', () => {
  it.each([
    ['sort by price, lowest first', 'sort'],
    ['okay, thanks', 'greeting'],
    ['good morning!', 'greeting'],
    ['any colour, but sorted by price', 'refine'],
  ])('"%s" is %s', (text, intent) => {
    expect(parse(text).intent).toBe(intent);
  });

  it.each([
    ['must be available right now', true],
    ['随便看看', true],
    ['red sneakers', false],
    ['under 50 euros', false],
  ])('marks "%s" as naming nothing it knows: %s', (text, unrecognised) => {
    const p = parse(text);
    expect(p.intent === 'search' && p.slots.unrecognised === true).toBe(unrecognised);
  });

  it.each([
    ['what can I ask you?', 'help'],
    ['how can you help me?', 'help'],
    ['我可以问你什么？', 'help'],
    ['can I get it gift wrapped?', 'out-of-scope'],
    ['可以帮我包装成礼物吗？', 'out-of-scope'],
  ])('"%s" is %s, never a search that shows products', (text, intent) => {
    expect(parse(text).intent).toBe(intent);
  });
});
