import { corpusBleu } from './bleu';
import { scoreCaptions } from './caption-metrics';
import { corpusCiderD } from './cider';
import { ptbTokenize } from './ptb-tokenizer';
import { lcsLength, rougeL } from './rouge';

// Example 1 of Papineni et al., "BLEU: a Method for Automatic Evaluation of Machine Translation" (ACL 2002),
// lower-cased and without punctuation as coco-caption's tokenizer leaves it.
const PAPER_REFS = [
  'it is a guide to action that ensures that the military will forever heed party commands',
  'it is the guiding principle which guarantees the military forces always being under the command of the party',
  'it is the practical guide for the army always to heed the directions of the party',
];
const PAPER_CANDIDATE_1 =
  'it is a guide to action which ensures that the military always obeys the commands of the party';
const PAPER_CANDIDATE_2 =
  'it is to insure the troops forever hearing the activity guidebook that party direct';

describe('BLEU (coco-caption bleu_scorer.py semantics)', () => {
  it('reproduces the modified n-gram precisions published in the BLEU paper', () => {
    const c1 = corpusBleu([{ candidate: PAPER_CANDIDATE_1, references: PAPER_REFS }]);
    // Paper: candidate 1 has modified unigram precision 17/18 and bigram precision 10/17.
    expect(c1.correct.slice(0, 2)).toEqual([17, 10]);
    expect(c1.guess.slice(0, 2)).toEqual([18, 17]);
    const c2 = corpusBleu([{ candidate: PAPER_CANDIDATE_2, references: PAPER_REFS }]);
    // Paper: candidate 2 has 8/14 and 1/13.
    expect(c2.correct.slice(0, 2)).toEqual([8, 1]);
    expect(c2.guess.slice(0, 2)).toEqual([14, 13]);
  });

  it('BLEU-4 of candidate 1 is the geometric mean of its four precisions (closest reference has its length)', () => {
    const { scores, correct, guess, referenceLength } = corpusBleu([
      { candidate: PAPER_CANDIDATE_1, references: PAPER_REFS },
    ]);
    expect(correct).toEqual([17, 10, 7, 4]);
    expect(guess).toEqual([18, 17, 16, 15]);
    expect(referenceLength).toBe(18); // reference lengths 16, 18, 16: 18 is closest, no brevity penalty
    const byHand = ((17 / 18) * (10 / 17) * (7 / 16) * (4 / 15)) ** (1 / 4);
    expect(scores[3]).toBeCloseTo(byHand, 9);
    expect(scores[3]).toBeCloseTo(0.504566684, 8);
  });

  it('clips repeated words by their count in one reference ("the the the …" scores 2/7)', () => {
    const r = corpusBleu([
      {
        candidate: 'the the the the the the the',
        references: ['the cat is on the mat', 'there is a cat on the mat'],
      },
    ]);
    expect(r.correct[0]! / r.guess[0]!).toBeCloseTo(2 / 7, 12);
  });

  it('applies the brevity penalty exp(1 - r/c) when the candidate is shorter', () => {
    const r = corpusBleu([{ candidate: 'the cat', references: ['the cat is on the mat'] }], 1);
    expect(r.scores[0]).toBeCloseTo(Math.exp(1 - 6 / 2), 9);
  });

  it('picks the shorter reference length on a tie for closest', () => {
    const r = corpusBleu([{ candidate: 'a b c d', references: ['a b c', 'a b c d e'] }]);
    expect(r.referenceLength).toBe(3);
  });
});

describe('ROUGE-L (coco-caption rouge.py, beta 1.2)', () => {
  it('computes the LCS', () => {
    expect(lcsLength('a b c d'.split(' '), 'a c d e f'.split(' '))).toBe(3);
    expect(lcsLength([], ['a'])).toBe(0);
  });

  it('is F(beta=1.2) of the LCS precision and recall, by hand', () => {
    // LCS("a b c d", "a c d e f") = 3: P = 3/4, R = 3/5, F = (1 + 1.44)·P·R / (R + 1.44·P).
    const byHand = (2.44 * 0.75 * 0.6) / (0.6 + 1.44 * 0.75);
    expect(rougeL({ candidate: 'a b c d', references: ['a c d e f'] })).toBeCloseTo(byHand, 12);
    expect(byHand).toBeCloseTo(0.653571429, 8);
  });

  it('takes the best precision and the best recall over references separately', () => {
    // P is best against ref 1 (2/2), R against ref 2 (2/2): F = 1 though no single reference gives both.
    expect(rougeL({ candidate: 'a b', references: ['a b c d', 'a b'] })).toBeCloseTo(1, 12);
    expect(rougeL({ candidate: 'x y', references: ['a b'] })).toBe(0);
  });
});

describe('CIDEr-D (coco-caption cider_scorer.py: sigma 6, x10, clipping, length penalty)', () => {
  it('matches a hand computation on two samples', () => {
    // N = 2, so idf = ln 2 for n-grams in one sample's references and 0 for "a" (in both).
    // Sample 1 vs "a red mug": cosines [1, 1, 1, 0]; vs "a red cup": [1/2, 1/2, 0, 0]; mean over orders of the
    // sums = 1, / 2 references x 10 = 5. Sample 2 "a green chair" vs "a blue chair": [1/2, 0, 0, 0] → 1.25.
    const r = corpusCiderD([
      { candidate: 'a red mug', references: ['a red mug', 'a red cup'] },
      { candidate: 'a green chair', references: ['a blue chair'] },
    ]);
    expect(r.perSample[0]).toBeCloseTo(5, 12);
    expect(r.perSample[1]).toBeCloseTo(1.25, 12);
    expect(r.score).toBeCloseTo(3.125, 12);
  });

  it('scores a single-sample corpus 0 (every idf is log 1)', () => {
    expect(corpusCiderD([{ candidate: 'a red mug', references: ['a red mug'] }]).score).toBe(0);
  });
});

describe('the three metrics against values of the reference implementation', () => {
  // Output of pycocoevalcap's Bleu (option closest), Rouge and Cider scorers on these (already tokenised)
  // samples: a plain paraphrase, a candidate with a repeated word (clipping + length penalty) and a
  // two-word candidate (brevity penalty, no 3/4-grams).
  const samples = [
    {
      id: '1',
      candidate: 'the cat sat on the mat',
      references: ['the cat is on the mat', 'there is a cat on the mat'],
    },
    {
      id: '2',
      candidate: 'a dog dog dog dog runs in the park',
      references: ['a dog runs in the park', 'the dog is running in a park'],
    },
    {
      id: '3',
      candidate: 'a man',
      references: ['a man riding a horse on the beach', 'a person rides a brown horse'],
    },
  ];

  it('BLEU-1..4, ROUGE-L and CIDEr-D', () => {
    const s = scoreCaptions(samples, { tokenize: false });
    expect(s.bleu1).toBeCloseTo(0.6798309969927308, 10);
    expect(s.bleu2).toBeCloseTo(0.6233198878151165, 10);
    expect(s.bleu3).toBeCloseTo(0.5008010934426264, 10);
    expect(s.bleu4).toBeCloseTo(0.3968921011318054, 10);
    expect(s.rougeL).toBeCloseTo(0.6747373505615264, 12);
    expect(s.perSample.map((p) => p.rougeL)).toEqual([
      expect.closeTo(0.8333333333333334, 12),
      expect.closeTo(0.8299319727891156, 12),
      expect.closeTo(0.3609467455621302, 12),
    ]);
    expect(s.ciderD).toBeCloseTo(2.225288168613097, 10);
    expect(s.perSample.map((p) => p.ciderD)).toEqual([
      expect.closeTo(3.359895768503813, 10),
      expect.closeTo(2.6371170235000156, 10),
      expect.closeTo(0.6788517138354624, 10),
    ]);
  });

  it('tokenises raw text first: case and punctuation do not change the scores', () => {
    const raw = samples.map((s) => ({
      ...s,
      candidate: `${s.candidate[0]!.toUpperCase()}${s.candidate.slice(1)}.`,
      references: s.references.map((r) => `"${r.replace(' on ', ', on ')}!"`),
    }));
    const a = scoreCaptions(samples, { tokenize: false });
    const b = scoreCaptions(raw);
    expect(b.bleu4).toBeCloseTo(a.bleu4, 12);
    expect(b.ciderD).toBeCloseTo(a.ciderD, 12);
  });

  it('refuses a sample without references rather than scoring it 0', () => {
    expect(() => scoreCaptions([{ id: 'x', candidate: 'a', references: [] }])).toThrow(/no reference/);
  });
});

describe('ptbTokenize', () => {
  it.each([
    ['A red mug.', 'a red mug'],
    ["It's the shop's best: don't miss it!", "it 's the shop 's best do n't miss it"],
    ["I can't and won't", "i ca n't and wo n't"],
    ['Costs $12.90 (20% off), e.g. today...', 'costs $ 12.90 20 % off e.g. today'],
    ['A well-known "classic" -- really', 'a well-known classic really'],
    ["The boys' bikes", 'the boys bikes'], // the possessive ' is split off, then dropped as punctuation
    ['Made in the U.S. by Dr. Smith', 'made in the u.s. by dr. smith'],
    ['  spaced \n  out ', 'spaced out'],
  ])('%j → %j', (input, expected) => {
    expect(ptbTokenize(input)).toBe(expected);
  });
});
