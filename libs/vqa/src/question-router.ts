import { ValidationError } from '@vitrine/core';
import type { AttributeName, ColourNamer, Vocabularies } from '@vitrine/attributes';
import { detectLanguage, type DetectedLanguage } from './language';

/** Longest question accepted (a question, not a document). */
export const MAX_QUESTION_CHARS = 500;

export const QUESTION_TYPES = [
  'colour',
  'category',
  'material',
  'pattern',
  'style',
  'brand',
  'price',
  'stock',
  'size',
  'yes-no',
  'open',
] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

/** What a yes/no question asks about. */
export type YesNoTarget =
  | { readonly kind: 'attribute'; readonly attribute: AttributeName; readonly value: string }
  | { readonly kind: 'object'; readonly target: string }
  | { readonly kind: 'feature'; readonly feature: string }
  | { readonly kind: 'stock'; readonly negated: boolean };

export interface RoutedQuestion {
  /** The question as asked, trimmed. */
  readonly text: string;
  readonly type: QuestionType;
  readonly language: DetectedLanguage;
  /** For `yes-no` questions. */
  readonly yesNo?: YesNoTarget;
}

const ARTICLE = /^(?:a|an|the|some|any)\s+/;

/**
 * Trims a question and refuses what cannot be one: empty or blank, longer than {@link MAX_QUESTION_CHARS}, or
 * control characters (`ValidationError`, a 400 over HTTP).
 */
export function validateQuestion(question: unknown): string {
  if (typeof question !== 'string')
    throw new ValidationError('question must be a string', { field: 'question' });
  const q = question.trim();
  if (q === '') throw new ValidationError('question must not be empty', { field: 'question' });
  if (q.length > MAX_QUESTION_CHARS)
    throw new ValidationError(`question must be at most ${MAX_QUESTION_CHARS} characters`, {
      field: 'question',
    });
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(q))
    throw new ValidationError('question must not contain control characters', { field: 'question' });
  return q;
}

/**
 * Sorts a question into the answer type that decides where its answer can come from (catalog facts, pixels,
 * zero-shot over a vocabulary, contrasting prompts), by rules over English phrasing. What no rule recognises is
 * `open`: only a free-form answerer can take it.
 */
export class QuestionRouter {
  constructor(
    private readonly vocabularies: () => Vocabularies,
    private readonly colours: ColourNamer,
  ) {}

  route(question: string): RoutedQuestion {
    const text = validateQuestion(question);
    const language = detectLanguage(text);
    const q = ` ${text
      .toLowerCase()
      .replace(/[’`]/g, "'")
      .replace(/[?!.,;:"()]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()} `;
    const type = (t: QuestionType, yesNo?: YesNoTarget): RoutedQuestion => ({
      text,
      type: t,
      language,
      ...(yesNo ? { yesNo } : {}),
    });
    if (language.code !== 'en') return type('open');

    // Facts only the catalog knows.
    if (/ (in stock|out of stock|sold out|available|availability|can i (buy|order)) /.test(q)) {
      const yesNo = /^ (is|are|does|do|can|has) /.test(q);
      return yesNo
        ? type('yes-no', { kind: 'stock', negated: / (out of stock|sold out) /.test(q) })
        : type('stock');
    }
    if (/ (price|cost|costs|how much|expensive|cheap) /.test(q)) return type('price');
    if (/ (brand|who makes|who made|made by|manufacturer|maker) /.test(q)) return type('brand');
    if (/ (size|sizes|how big|dimensions|weight|how heavy|volume|capacity) /.test(q)) return type('size');

    const yesNo = /^ (is|are|was|does|do|has|have|can|could|will) /.test(q);
    if (yesNo) return type('yes-no', this.yesNoTarget(q));

    if (/ (what|which) (colou?r|colou?rs|shade) /.test(q) || /^ colou?rs? /.test(q)) return type('colour');
    if (/ (material|materials|made of|made from|fabric) /.test(q)) return type('material');
    if (/ pattern /.test(q)) return type('pattern');
    if (/ style /.test(q)) return type('style');
    if (
      / (what|which) (kind|type|sort|category) /.test(q) ||
      /^ (what is|what's|whats) (it|this|that|shown|in the picture|in the image) /.test(q) ||
      /^ (what|which) product /.test(q) ||
      / category /.test(q)
    )
      return type('category');
    return type('open');
  }

  private yesNoTarget(q: string): YesNoTarget {
    const feature =
      /^ (?:does|do) (?:it|this|they|the \w+) (?:have|come with|include) (.+) $/.exec(q) ??
      /^ (?:has|have) (?:it|this|they) got (.+) $/.exec(q) ??
      /^ (?:is|are) there (.+?)(?: on it| on this| on them)? $/.exec(q) ??
      /^ (?:is|are) (?:it|this|they) (?:with|equipped with) (.+) $/.exec(q);
    if (feature) return { kind: 'feature', feature: feature[1]!.trim() };
    const made = /^ (?:is|are) (?:it|this|they|the \w+) (?:made (?:of|from|out of)|in) (.+) $/.exec(q);
    const plain = /^ (?:is|are|was) (?:it|this|that|they|the \w+) (.+) $/.exec(q);
    const phrase = (made?.[1] ?? plain?.[1])?.trim().replace(ARTICLE, '');
    if (phrase) {
      const match = this.matchVocabulary(phrase, made ? ['material', 'colour', 'pattern'] : undefined);
      if (match) return match;
      return { kind: 'object', target: phrase };
    }
    const rest = q.trim().replace(/^(is|are|was|does|do|has|have|can|could|will)\s+/, '');
    return { kind: 'object', target: rest.replace(ARTICLE, '') };
  }

  /** A phrase that names a value of a vocabulary (colour words through their synonyms; plurals folded). */
  private matchVocabulary(phrase: string, only?: readonly AttributeName[]): YesNoTarget | undefined {
    const colour = this.colours.canonical(phrase);
    if (colour && (!only || only.includes('colour')))
      return { kind: 'attribute', attribute: 'colour', value: colour };
    const v = this.vocabularies();
    const order: AttributeName[] = ['material', 'pattern', 'style', 'category'];
    for (const attribute of order) {
      if (only && !only.includes(attribute)) continue;
      for (const label of v[attribute].labels) {
        if (sameTerm(label, phrase)) return { kind: 'attribute', attribute, value: label };
      }
    }
    return undefined;
  }
}

/** Case-insensitive equality, also when one side is the other's plural or the label's first word ("toy" ~ "Toys & Games"). */
function sameTerm(label: string, phrase: string): boolean {
  const l = label.toLowerCase();
  const p = phrase.toLowerCase();
  if (l === p) return true;
  const stem = (s: string) => s.replace(/(ies)$/, 'y').replace(/(?<!s)s$/, '');
  if (stem(l) === stem(p)) return true;
  const words = l.split(/\s*(?:&|,|and|\/)\s*/).map((w) => w.trim());
  return words.some((w) => w === p || stem(w) === stem(p));
}
