import { corpusBleu, type TokenizedSample } from './bleu';
import { corpusCiderD } from './cider';
import { ptbTokenize } from './ptb-tokenizer';
import { corpusRougeL } from './rouge';

/** A generated text and the human references it is scored against. */
export interface CaptionSample {
  readonly id: string;
  readonly candidate: string;
  readonly references: readonly string[];
}

export interface CaptionScores {
  readonly samples: number;
  readonly bleu1: number;
  readonly bleu2: number;
  readonly bleu3: number;
  readonly bleu4: number;
  readonly rougeL: number;
  readonly ciderD: number;
  /** Per sample (same order as the input): ROUGE-L and CIDEr-D (BLEU is a corpus statistic). */
  readonly perSample: ReadonlyArray<{
    readonly id: string;
    readonly rougeL: number;
    readonly ciderD: number;
  }>;
}

/**
 * BLEU-1..4, ROUGE-L and CIDEr-D of `samples`, with coco-caption's conventions: every text is PTB-tokenised and
 * stripped of punctuation first (pass `tokenize: false` for text that already is), BLEU at corpus level with the
 * closest reference length, CIDEr-D document frequencies from these samples' references.
 */
export function scoreCaptions(
  samples: readonly CaptionSample[],
  options: { readonly tokenize?: boolean } = {},
): CaptionScores {
  const tok = options.tokenize === false ? (s: string) => s : ptbTokenize;
  const tokenized: TokenizedSample[] = samples.map((s) => {
    if (s.references.length === 0) throw new RangeError(`sample ${s.id} has no reference`);
    return { candidate: tok(s.candidate), references: s.references.map(tok) };
  });
  const bleu = corpusBleu(tokenized);
  const rouge = corpusRougeL(tokenized);
  const cider = corpusCiderD(tokenized);
  return {
    samples: samples.length,
    bleu1: bleu.scores[0]!,
    bleu2: bleu.scores[1]!,
    bleu3: bleu.scores[2]!,
    bleu4: bleu.scores[3]!,
    rougeL: rouge.score,
    ciderD: cider.score,
    perSample: samples.map((s, i) => ({
      id: s.id,
      rougeL: rouge.perSample[i]!,
      ciderD: cider.perSample[i]!,
    })),
  };
}
