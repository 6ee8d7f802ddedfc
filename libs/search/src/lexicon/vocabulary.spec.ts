import { demoQueryUnderstanding } from './demo-lexicon.fixture';
import { adjacentKeys, boundedDamerau, looksLikeSlip } from './edit-distance';
import { Vocabulary } from './vocabulary';

describe('boundedDamerau', () => {
  it.each([
    ['sneakr', 'sneaker', 1],
    ['guitr', 'guitar', 1],
    ['gutiar', 'guitar', 1],
    ['bouqet', 'bouquet', 1],
    ['umbrela', 'umbrella', 1],
    ['plate', 'place', 1],
    ['magnifyng', 'magnifying', 1],
    ['blorf', 'bloom', 2],
    ['same', 'same', 0],
  ])('%s → %s is %i', (a, b, d) => expect(boundedDamerau(a, b, 2)).toBe(d));

  it('stops at the bound', () => {
    expect(boundedDamerau('abcdef', 'uvwxyz', 2)).toBe(3);
    expect(boundedDamerau('ab', 'abcdef', 2)).toBe(3);
  });
});

describe('looksLikeSlip', () => {
  it('takes omissions, doublings, swaps and neighbouring keys for slips, far keys for other words', () => {
    expect(looksLikeSlip('guitr', 'guitar')).toBe(true);
    expect(looksLikeSlip('guitaar', 'guitar')).toBe(true);
    expect(looksLikeSlip('gutiar', 'guitar')).toBe(true);
    expect(looksLikeSlip('guitsr', 'guitar')).toBe(true); // s is next to a
    expect(looksLikeSlip('plate', 'place')).toBe(false);
    expect(looksLikeSlip('trap', 'tray')).toBe(false);
    expect(adjacentKeys('a', 'q')).toBe(true);
    expect(adjacentKeys('c', 't')).toBe(false);
  });
});

describe('Vocabulary.correct', () => {
  const v = new Vocabulary();
  v.add('Metro Running Shoe', 'name');
  v.add('Vintage Guitar', 'name');
  v.add('Soft Touch T-Shirt', 'name');
  v.add('Classic Wine Glass', 'name');
  v.add('Place Card Holder', 'name');
  v.add('Cloudstep Leather Shoe', 'name', 3);
  v.add('sneaker', 'synonym');

  it.each([
    ['sneakr', 'sneaker'],
    ['guitr', 'guitar'],
    ['Guitr', 'guitar'],
    ['gutiar', 'guitar'],
    ['tshirt', 't-shirt'],
    ['t-shrt', 't-shirt'],
    ['leathr', 'leather'],
  ])('corrects %s to %s', (typed, word) => expect(v.correct(typed)).toEqual({ word, certain: true }));

  it.each([
    ['guitar', 'a word of the catalog'],
    ['GUITAR', 'a word of the catalog, in capitals'],
    ['guitars', 'a plural of a catalog word'],
    ['glasses', 'an -es plural'],
    ['shoes', 'a plural'],
    ['runner', 'an -er form'],
    ['t-shirts', 'a plural of a hyphenated word'],
    ['shoe4', 'a word with a digit'],
    ['4096', 'a number'],
    ['gui', 'shorter than 4 letters'],
    ['xqzvbn', 'nothing close'],
  ])('leaves %s alone (%s)', (typed) => expect(v.correct(typed)).toBeUndefined());

  it('only suggests a far-key substitution, which is more often another word', () => {
    expect(v.correct('plate')).toEqual({ word: 'place', certain: false });
    const w = new Vocabulary();
    w.add('Place Card, plated', 'name');
    expect(w.correct('plate')).toBeUndefined();
  });

  it('allows two edits from 8 letters on, one below', () => {
    v.add('Magnifying Glass', 'name');
    expect(v.correct('magnifyng')).toEqual({ word: 'magnifying', certain: true });
    expect(v.correct('mgnifyng')).toEqual({ word: 'magnifying', certain: true });
    expect(v.correct('guiar')?.word).toBe('guitar');
    expect(v.correct('gitr')).toBeUndefined();
  });

  it('prefers the more frequent of two words one edit away', () => {
    const w = new Vocabulary();
    w.add('lamp lamp lamp', 'name');
    w.add('lame', 'name');
    expect(w.correct('lamo')).toEqual({ word: 'lamp', certain: true });
  });
});

describe('query understanding of the demo catalog', () => {
  const { qu } = demoQueryUnderstanding();

  it('corrects, joins compounds and adds synonyms', async () => {
    await expect(qu.rewrite('sneakr')).resolves.toEqual({
      lexicalQuery: 'sneaker trainer running shoe',
      embeddingQuery: 'sneaker',
      corrected: 'sneaker',
      terms: ['sneakr', 'sneaker', 'trainer', 'running', 'shoe'],
    });
    expect((await qu.rewrite('guitr')).corrected).toBe('guitar');
    expect((await qu.rewrite('tshirt')).corrected).toBe('t-shirt');
    expect((await qu.rewrite('t shirt')).corrected).toBe('t-shirt');
    expect((await qu.rewrite('mouse trap')).corrected).toBe('mousetrap');
    expect((await qu.rewrite('chery blossom')).embeddingQuery).toBe('cherry blossom');
  });

  it('keeps what it is not sure of as a suggestion, and searches what was typed', async () => {
    const r = await qu.rewrite('magnifying glass tilted left');
    expect(r.embeddingQuery).toBe('magnifying glass tilted left');
    expect(r.corrected).toBeUndefined();
    expect(r.suggestion).toBe('magnifying glass wilted left');
    // The catalog says "plated": "plate" is a word, not a slip for "place".
    expect(await qu.rewrite('fork and knife with plate')).toMatchObject({
      embeddingQuery: 'fork and knife with plate',
      terms: ['fork', 'and', 'knife', 'with', 'plate'],
    });
    expect((await qu.rewrite('fork and knife with plate')).suggestion).toBeUndefined();
    // A letter restored beats a letter dropped: "blossom", not "bloom".
    expect((await qu.rewrite('cherry blosom')).corrected).toBe('cherry blossom');
  });

  it('only suggests corrections in a query about something the catalog does not hold', async () => {
    // "mortgage" is no catalog word and nothing corrects it: "refinance" → "resonance" would answer another question.
    for (const q of ['mortgage refinance rate', 'election results', 'null pointer exception']) {
      const r = await qu.rewrite(q);
      expect(r.corrected).toBeUndefined();
      expect(r.embeddingQuery).toBe(q);
    }
    expect((await qu.rewrite('mortgage refinance rate')).suggestion).toContain('resonance');
    // Every other word known: the slip is corrected.
    expect((await qu.rewrite('vintage guitr')).corrected).toBe('vintage guitar');
  });

  it('changes no word of a query the catalog knows', async () => {
    for (const q of [
      'high heeled shoe',
      'clinking beer mugs',
      'unlocked',
      'running shoes',
      'vintage guitar',
    ]) {
      const r = await qu.rewrite(q);
      expect(r.corrected).toBeUndefined();
      expect(r.embeddingQuery).toBe(q);
    }
  });

  it('matches synonyms as phrases, plural-insensitively, and adds nothing twice', async () => {
    expect((await qu.rewrite('running shoes')).lexicalQuery).toBe('running shoes sneaker trainer');
    expect((await qu.rewrite('red shoe')).lexicalQuery).toBe('red shoe');
    expect((await qu.rewrite('trainers')).lexicalQuery).toBe('trainers sneaker running shoe');
  });

  it("sees this process's synonym write at once, another replica's after the poll interval", async () => {
    let clock = 0;
    const { qu: fresh, sets, synonyms } = demoQueryUnderstanding([], () => clock);
    expect((await fresh.rewrite('trainer')).lexicalQuery).toBe('trainer');
    await synonyms.create(['trainer', 'sneaker']);
    expect((await fresh.rewrite('trainer')).lexicalQuery).toBe('trainer sneaker');

    sets.push({ id: 'other-replica', terms: ['trainer', 'running shoe'] });
    clock += 4000;
    expect((await fresh.rewrite('trainer')).lexicalQuery).toBe('trainer sneaker');
    clock += 1000;
    expect((await fresh.rewrite('trainer')).lexicalQuery).toBe('trainer sneaker running shoe');
  });
});
