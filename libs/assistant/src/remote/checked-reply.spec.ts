import { checkReply, type ReplyFacts } from './checked-reply';

const facts: ReplyFacts = {
  constraints: 'Shoes, at most EUR 100.00',
  catalogBrands: ['Kicklab', 'Pathfinder Footwear', 'Stridewell'],
  products: [
    {
      title: 'Cloudstep Men’s Leather Shoe',
      brand: 'Pathfinder Footwear',
      category: 'Shoes',
      price: 'EUR 41.99',
      inStock: true,
      attributes: { color: 'grey', material: 'synthetic', size: '39' },
      description: 'Men’s Leather Shoe with a synthetic upper and a cushioned sole for all-day comfort.',
    },
    {
      title: 'Trailblazer Hiking Boot',
      brand: 'Kicklab',
      category: 'Shoes',
      price: 'EUR 78.99',
      inStock: true,
      attributes: { color: 'yellow', material: 'suede' },
      description: null,
    },
  ],
};

describe('checkReply', () => {
  it('keeps sentences whose products, prices and attributes are in the facts', () => {
    const reply =
      "Here are two picks under EUR 100: Cloudstep Men's Leather Shoe at EUR 41.99 and Trailblazer Hiking Boot at EUR 78.99. " +
      'The boot is yellow suede by Kicklab.';
    expect(checkReply(reply, facts)).toEqual({ text: reply, dropped: 0 });
  });

  it.each([
    ['an invented product', 'The Nike Air Max is a great alternative.'],
    ['a price nobody listed', 'The boot is only EUR 59.99 today.'],
    ['a property the catalog does not state', 'Both are waterproof.'],
    ['a colour the facts do not give', 'The boot comes in red.'],
    ['a catalog brand not among the products', 'Stridewell makes similar ones.'],
    ['a promise about delivery', 'Free shipping on both!'],
    ['a promise about shipping', 'Both ship free tomorrow.'],
  ])('drops %s', (_what, sentence) => {
    const kept = 'The Trailblazer Hiking Boot costs EUR 78.99.';
    expect(checkReply(`${kept} ${sentence}`, facts)).toEqual({ text: kept, dropped: 1 });
  });

  it('checks Chinese replies: supported sentences kept, unsupported properties, colours and names dropped', () => {
    const kept = 'Trailblazer Hiking Boot的价格是EUR 78.99，黄色麂皮。';
    const reply =
      kept +
      '这双鞋是防水的。' +
      'Cloudstep Men’s Leather Shoe有红色的。' +
      '我们还有Nike Air Max。' +
      '全部包邮！' +
      'Kicklab的鞋都很好。';
    expect(checkReply(reply, facts)).toEqual({ text: `${kept}Kicklab的鞋都很好。`, dropped: 4 });
    expect(checkReply('Stridewell的鞋更便宜。', facts)).toEqual({ text: '', dropped: 1 });
  });

  it('keeps nothing when nothing is supported', () => {
    expect(checkReply('Our bestseller ships tomorrow for 5 dollars.', facts)).toEqual({
      text: '',
      dropped: 1,
    });
  });
});
