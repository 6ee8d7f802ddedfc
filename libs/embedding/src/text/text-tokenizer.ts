import type { TextConfig } from '../model/model-dir';
import { modelInvalid } from '../model/model-errors';

/** The part of `@huggingface/tokenizers`' Tokenizer used here. */
interface Tokenizer {
  encode(text: string): { ids: number[] };
  id_to_token(id: number): string | undefined;
}

// The package is ESM-typed (its .d.ts cannot be imported from CommonJS) but ships a CommonJS build for
// Node's `require` condition, which is what this SWC/CommonJS code base loads.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tokenizers = require('@huggingface/tokenizers') as {
  Tokenizer: new (tokenizerJson: object, tokenizerConfig: object) => Tokenizer;
};

/**
 * Tokenizer models the library runs and Vitrine has tested: BPE (OpenAI CLIP), WordPiece (BERT, DistilBERT,
 * Chinese-CLIP) and Unigram (SentencePiece: XLM-RoBERTa, M-CLIP).
 */
export const TOKENIZER_MODELS = ['BPE', 'WordPiece', 'Unigram'] as const;
export type TokenizerModel = (typeof TOKENIZER_MODELS)[number];

function tokenizerModel(dir: string, tokenizerJson: object): TokenizerModel {
  const model = (tokenizerJson as { model?: { type?: unknown; vocab?: unknown; merges?: unknown } }).model;
  const type = model?.type;
  if (type === undefined) {
    // Older exports omit the type; the library tells the models apart by their fields, and so does this.
    if (Array.isArray(model?.vocab)) return 'Unigram';
    return model?.merges !== undefined ? 'BPE' : 'WordPiece';
  }
  if (typeof type === 'string' && (TOKENIZER_MODELS as readonly string[]).includes(type))
    return type as TokenizerModel;
  throw modelInvalid(
    dir,
    `tokenizer.json model type ${JSON.stringify(type)} is not supported (supported: ${TOKENIZER_MODELS.join(', ')})`,
  );
}

/** Token ids for a batch, row-major, every row padded to `length`. */
export interface TokenBatch {
  readonly batch: number;
  readonly length: number;
  readonly ids: Int32Array;
  /** 1 for real tokens, 0 for padding. */
  readonly attentionMask: Int32Array;
}

/** `max_length`: every row padded to the model's context; `longest`: to the longest row of the batch. */
export type PaddingMode = 'max_length' | 'longest';

// Only ASCII whitespace: every tokenizer splits words there, so a prefix cut at one tokenizes like the
// same stretch of the full text.
const CUT_CHARS = new Set([' ', '\t', '\n', '\r']);
// Characters per token of context to try first; real text averages 3-5, so this rarely needs a second pass.
const CHARS_PER_TOKEN_GUESS = 8;

/**
 * CLIP text tokenisation on `@huggingface/tokenizers`: the library's encoding (normaliser, pre-tokeniser,
 * model, start/end tokens) plus what it leaves out — truncation to the model's context keeping the end token
 * last, and padding.
 *
 * Special ids: start and end tokens come from the tokenizer itself (what it adds around an empty string). The
 * pad id comes from config.json `text_config.pad_token_id` (XLM-RoBERTa pads with 1, BERT with 0), except for
 * Hugging Face's legacy CLIP configs (`bos 0, eos 2, pad 1`, which predate the real ids and disagree with the
 * tokenizer: its end token is not 2); those pad with the end token like Hugging Face's CLIPTokenizer does (49407
 * for OpenAI CLIP).
 */
export class TextTokenizer {
  private constructor(
    private readonly tokenizer: Tokenizer,
    /** The tokenizer.json model: how words become ids. */
    readonly model: TokenizerModel,
    /** Context length: no encoding is longer. */
    readonly maxLength: number,
    readonly bosId: number,
    readonly eosId: number,
    readonly padId: number,
  ) {}

  /** Builds the tokenizer for a model directory; `dir` only names the model in errors. */
  static create(dir: string, tokenizerJson: object, text: TextConfig): TextTokenizer {
    const model = tokenizerModel(dir, tokenizerJson);
    let tok: Tokenizer;
    try {
      tok = new tokenizers.Tokenizer(tokenizerJson, {});
    } catch (e) {
      throw modelInvalid(dir, `tokenizer.json cannot be loaded (${(e as Error).message})`, e);
    }
    const empty = tok.encode('').ids;
    const [bos, eos] = empty;
    if (empty.length !== 2 || bos === undefined || eos === undefined) {
      throw modelInvalid(
        dir,
        `tokenizer.json must add a start and an end token (an empty text gave [${empty.join(', ')}])`,
      );
    }
    const legacyClip = text.bosId === 0 && text.eosId === 2 && text.padId === 1 && eos !== 2;
    if (!legacyClip && text.eosId !== undefined && text.eosId !== eos) {
      throw modelInvalid(
        dir,
        `config.json eos_token_id ${text.eosId} is not the tokenizer's end token ${eos}`,
      );
    }
    if (!legacyClip && text.bosId !== undefined && text.bosId !== bos) {
      throw modelInvalid(
        dir,
        `config.json bos_token_id ${text.bosId} is not the tokenizer's start token ${bos}`,
      );
    }
    const pad = legacyClip ? eos : (text.padId ?? eos);
    if (tok.id_to_token(pad) === undefined)
      throw modelInvalid(dir, `pad_token_id ${pad} is not in the vocabulary`);
    if (text.pooling === 'argmax' && pad > eos) {
      throw modelInvalid(dir, `argmax pooling needs pad id ${pad} <= end token ${eos}`);
    }
    return new TextTokenizer(tok, model, text.maxLength, bos, eos, pad);
  }

  /**
   * Ids for one text: start token, content, end token; at most {@link maxLength} ids, the end token always
   * last. Any string is accepted (empty gives `[start, end]`); a very long one costs only its first few
   * hundred characters.
   */
  encode(text: string): number[] {
    const max = this.maxLength;
    let budget = max * CHARS_PER_TOKEN_GUESS;
    for (;;) {
      if (text.length <= budget) return this.truncate(this.tokenizer.encode(text).ids);
      let cut = budget;
      while (cut > 0 && !CUT_CHARS.has(text[cut] as string)) cut--;
      // No whitespace in the window (one enormous "word"): cutting mid-word can only change that word's last
      // tokens, which truncation drops anyway unless the word is the whole context.
      if (cut === 0) cut = budget;
      const ids = this.tokenizer.encode(text.slice(0, cut)).ids;
      // Enough content tokens: the prefix's first max-1 ids are the full text's first max-1 ids.
      if (ids.length >= max) return this.truncate(ids);
      budget *= 4;
    }
  }

  private truncate(ids: number[]): number[] {
    if (ids.length <= this.maxLength) return ids;
    const out = ids.slice(0, this.maxLength);
    out[this.maxLength - 1] = this.eosId;
    return out;
  }

  /** Encodes and pads a batch; `longest` pads to the batch's longest row (same result for CLIP-style models). */
  encodeBatch(texts: readonly string[], padding: PaddingMode = 'max_length'): TokenBatch {
    const rows = texts.map((t) => this.encode(t));
    const length = padding === 'max_length' ? this.maxLength : Math.max(1, ...rows.map((r) => r.length));
    const ids = new Int32Array(rows.length * length).fill(this.padId);
    const attentionMask = new Int32Array(rows.length * length);
    rows.forEach((row, i) => {
      ids.set(row, i * length);
      attentionMask.fill(1, i * length, i * length + row.length);
    });
    return { batch: rows.length, length, ids, attentionMask };
  }
}
