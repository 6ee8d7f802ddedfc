import { ColourNamer, DEFAULT_VOCABULARIES, withCategories } from '@vitrine/attributes';
import { detectLanguage } from './language';
import { QuestionRouter, MAX_QUESTION_CHARS } from './question-router';

const vocab = withCategories(DEFAULT_VOCABULARIES, ['Toys & Games', 'Bags', 'Kitchen & Dining', 'Food']);
const router = new QuestionRouter(() => vocab, new ColourNamer());
const route = (q: string) => router.route(q);

describe('QuestionRouter', () => {
  it.each([
    ['What colour is it?', 'colour'],
    ['what color is this bag', 'colour'],
    ['Which colours does it come in?', 'colour'],
    ['What is it made of?', 'material'],
    ["What's the material?", 'material'],
    ['What pattern does it have?', 'pattern'],
    ['What style is it?', 'style'],
    ['What is this?', 'category'],
    ['What kind of product is this?', 'category'],
    ['How much is it?', 'price'],
    ['What does it cost?', 'price'],
    ['Who makes it?', 'brand'],
    ['Which brand is this?', 'brand'],
    ['What size is it?', 'size'],
    ['How heavy is it?', 'size'],
    ['Is it in stock?', 'yes-no'],
    ['Where was it made and by whom do you think?', 'catalog-text'],
    ['How much does it weigh?', 'size'],
    ['Is it gluten free?', 'unknowable'],
    ['Does it contain nuts?', 'unknowable'],
    ['Has this product been recalled?', 'unknowable'],
    ['Is it dishwasher safe?', 'catalog-text'],
    ['Does it have a warranty?', 'catalog-text'],
    ['Is it waterproof?', 'catalog-text'],
    ['Does it go well with red wine?', 'open'],
    ['这是什么颜色？', 'colour'],
    ['多少钱？', 'price'],
    ['有货吗？', 'yes-no'],
    ['它有多重？', 'size'],
    ['保修多久？', 'catalog-text'],
    ['含有麸质吗？', 'unknowable'],
    ['是红色的吗？', 'open'],
    ['How much liquid is in it?', 'size'],
    ['How many grams is it?', 'size'],
    ['How much is it for two?', 'price'],
    ['Is it lactose-free?', 'unknowable'],
    ['Is it plant-based?', 'unknowable'],
    ['Is it good for diabetics?', 'unknowable'],
    ['Can I put it in the dishwasher?', 'catalog-text'],
    ['Does it need assembly?', 'catalog-text'],
    ['Does it arrive assembled?', 'catalog-text'],
    ['How much does it hold?', 'size'],
    ['Is it a large?', 'size'],
    ['Is it worth the money?', 'unknowable'],
    ['Does it have milk in it?', 'unknowable'],
    ['How long is it good for once opened?', 'unknowable'],
    ['Is the paella pan any good?', 'unknowable'],
    ['Is the paella pan nonstick?', 'open'],
    ['净重多少？', 'size'],
    ['Tell me a joke', 'open'],
  ])('%j → %s', (q, type) => {
    expect(route(q).type).toBe(type);
  });

  it.each([
    ['Is it red?', { kind: 'attribute', attribute: 'colour', value: 'red' }],
    ['Is this gray?', { kind: 'attribute', attribute: 'colour', value: 'grey' }],
    ['Is it leather?', { kind: 'attribute', attribute: 'material', value: 'leather' }],
    ['Is it made of wood?', { kind: 'attribute', attribute: 'material', value: 'wood' }],
    ['Is it striped?', { kind: 'attribute', attribute: 'pattern', value: 'striped' }],
    ['Is it a toy?', { kind: 'attribute', attribute: 'category', value: 'Toys & Games' }],
    ['Is it a bicycle?', { kind: 'object', target: 'bicycle' }],
    ['Does it have a strap?', { kind: 'feature', feature: 'a strap' }],
    ['Does it come with a lid?', { kind: 'feature', feature: 'a lid' }],
    ['Is the sole cushioned?', { kind: 'feature', feature: 'sole cushioned' }],
    ['Does the travel bag have an inner pocket?', { kind: 'feature', feature: 'an inner pocket' }],
    ['Is it out of stock?', { kind: 'stock', negated: true }],
    ['Is it available?', { kind: 'stock', negated: false }],
  ])('yes/no %j → %j', (q, target) => {
    const r = route(q);
    expect(r.type).toBe('yes-no');
    expect(r.yesNo).toEqual(target);
  });

  it('refuses empty, blank, overlong and control-character questions', () => {
    expect(() => route('')).toThrow(/must not be empty/);
    expect(() => route('   \n ')).toThrow(/must not be empty/);
    expect(() => route('x'.repeat(MAX_QUESTION_CHARS + 1))).toThrow(/at most 500/);
    expect(() => route('is it \u0000 red')).toThrow(/control characters/);
  });

  it('sends questions in another language than English or Chinese to `open`, whatever they ask', () => {
    for (const q of ['¿De qué color es?', 'Quelle est la couleur ?', 'Welche Farbe hat es?']) {
      const r = route(q);
      expect(r.type).toBe('open');
      expect(r.language.code).not.toBe('en');
    }
  });
});

describe('detectLanguage', () => {
  it.each([
    ['What colour is it?', 'en'],
    ['Is it red?', 'en'],
    ['red?', 'en'],
    ['¿De qué color es?', 'es'],
    ['Quelle est la couleur de ce sac ?', 'fr'],
    ['Welche Farbe hat das?', 'de'],
    ['Di che colore è?', 'it'],
    ['Welke kleur heeft het?', 'nl'],
    ['这是什么颜色？', 'zh'],
    ['これは何色ですか', 'ja'],
    ['Какого цвета?', 'ru'],
  ])('%j → %s', (text, code) => {
    expect(detectLanguage(text).code).toBe(code);
  });
});
