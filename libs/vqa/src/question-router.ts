import { ValidationError } from '@vitrine/core';
import type { AttributeName, ColourNamer, Vocabularies } from '@vitrine/attributes';
import { detectLanguage, type DetectedLanguage } from './language';
import {
  CARE_FIRST,
  CATALOG_TEXT_RULES,
  matchTopic,
  UNKNOWABLE_RULES,
  type CatalogTextTopic,
  type UnknowableTopic,
} from './topics';

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
  /** A fact the merchant may have written in the title, description or attributes (warranty, battery…). */
  'catalog-text',
  /** Neither the picture nor the catalog can answer it (allergens, recalls, delivery…): never answered. */
  'unknowable',
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
  /** For `unknowable` questions: what they ask about. */
  readonly unknowable?: UnknowableTopic;
  /** For `catalog-text` questions: the fact asked about. */
  readonly topic?: CatalogTextTopic;
  /** Whether the question asks for yes or no (a `catalog-text` one may). */
  readonly polar?: boolean;
}

/** Where an answer to a question can come from: the issue's three classes, and "the router is not sure". */
export type AnswerClass = 'visible' | 'catalog' | 'unknowable' | 'unsure';

/** The class of a routed question (`open` is unsure: only a free-form answerer may take it). */
export function answerClass(q: RoutedQuestion): AnswerClass {
  switch (q.type) {
    case 'unknowable':
      return 'unknowable';
    case 'price':
    case 'brand':
    case 'stock':
    case 'size':
    case 'catalog-text':
      return 'catalog';
    case 'yes-no':
      return q.yesNo?.kind === 'stock' ? 'catalog' : 'visible';
    case 'colour':
    case 'category':
    case 'material':
    case 'pattern':
    case 'style':
      return 'visible';
    case 'open':
      return 'unsure';
  }
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
      // "lactose-free" is "lactose free": hyphenated words must meet the same patterns.
      .replace(/(?<=\w)-(?=\w)/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()} `;
    const type = (t: QuestionType, yesNo?: YesNoTarget): RoutedQuestion => ({
      text,
      type: t,
      language,
      ...(yesNo ? { yesNo } : {}),
    });
    if (language.code === 'zh') return this.routeChinese(text, language);
    if (language.code !== 'en') return type('open');
    const polar = /^ (is|are|was|were|does|do|did|has|have|had|can|could|will|would|should|any) /.test(q);
    // Polar size questions ("is it a large?") are about the catalog's size.
    if (/^ (is|are) (it|they|these|this) (a |an )?(small|medium|large|extra large|xs|xl|xxl|xxxl) $/.test(q))
      return type('size');

    // What no picture or catalog row settles, before anything else can claim it ("does it contain nuts" is
    // not a yes/no about the picture); care phrases first ("dishwasher safe" is not a safety question).
    if (CARE_FIRST.en.test(q)) return { ...type('catalog-text'), topic: 'care', polar };
    // "Does it arrive assembled?" is about assembly, not delivery.
    if (/ (assembly|assemble|assembled|assembling) /.test(q))
      return { ...type('catalog-text'), topic: 'assembly', polar };
    const unknowable = matchTopic(UNKNOWABLE_RULES, q, 'en');
    if (unknowable) return { ...type('unknowable'), unknowable };
    const topic = matchTopic(CATALOG_TEXT_RULES, q, 'en');
    if (topic) return { ...type('catalog-text'), topic, polar };

    // Facts only the catalog knows.
    if (/ (in stock|out of stock|sold out|available|availability|can i (buy|order)) /.test(q)) {
      return polar
        ? type('yes-no', { kind: 'stock', negated: / (out of stock|sold out) /.test(q) })
        : type('stock');
    }
    // Before price: "how much does it weigh" asks for a weight.
    if (
      / (hold|holds) /.test(q) ||
      / (size|sizes|how big|how large|how small|dimensions|dimension|weight|weigh|weighs|how heavy|heavy|volume|capacity|how tall|how wide|length|width|height|how many (ml|grams|kilos|kg|g|litres|liters|ounces|oz|cm|inches)|grams|kilograms|kilos|litres?|liters?|millilitres?|how much (liquid|water|space|room|content|does it hold|can it hold)) /.test(
        q,
      )
    )
      return type('size');
    if (/ (price|prices|priced|cost|costs|how much|expensive|cheap|euros?|dollars?) /.test(q))
      return type('price');
    if (/ (brand|who makes|who made|made by|manufacturer|maker) /.test(q)) return type('brand');
    const yesNo = /^ (is|are|was|does|do|has|have|can|could|will) /.test(q);
    if (yesNo) {
      const target = this.yesNoTarget(q);
      // A yes/no the router could not parse into something a picture shows is not guessed at: abstain.
      return target ? type('yes-no', target) : type('open');
    }

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

  private yesNoTarget(q: string): YesNoTarget | undefined {
    const feature =
      /^ (?:does|do) (?:it|this|they|the [\w' ]+?) (?:have|has|come with|include|includes) (.+) $/.exec(q) ??
      /^ (?:has|have) (?:it|this|they) got (.+) $/.exec(q) ??
      /^ (?:is|are) there (.+?)(?: on it| on this| on them)? $/.exec(q) ??
      /^ (?:is|are) (?:it|this|they) (?:with|equipped with) (.+) $/.exec(q);
    if (feature) {
      const f = feature[1]!.replace(/ (?:inside|in|on|under|underneath) (?:it|this|them)$/, '').trim();
      return shortPhrase(f) ? { kind: 'feature', feature: f } : undefined;
    }
    const made = /^ (?:is|are) (?:it|this|they|the \w+) (?:made (?:of|from|out of)|in) (.+) $/.exec(q);
    // "Is the sole cushioned?": a part of the product and what it is like, a feature (not what the product is).
    const part = /^ (?:is|are) the (\w+) (\w+(?:ed|y|ful|able|proof))(?: inside)? $/.exec(q);
    if (part && !made) return { kind: 'feature', feature: `${part[1]!} ${part[2]!}` };
    const plain = /^ (?:is|are|was) (?:it|this|that|they|the \w+) (.+) $/.exec(q);
    const raw = (made?.[1] ?? plain?.[1])?.trim();
    const phrase = raw?.replace(ARTICLE, '');
    if (phrase) {
      const match = this.matchVocabulary(phrase, made ? ['material', 'colour', 'pattern'] : undefined);
      if (match) return match;
      // "Is the paella pan any good?": with a named subject the rest is not reliably a thing the picture shows.
      if (/^ (?:is|are|was) the /.test(q)) return undefined;
      // "Is it a bicycle?" names a thing a picture shows; "is it hypoallergenic?", "is it handmade?", "is it made of
      // recycled plastic?" name properties no picture settles, and a contrast against the categories would answer
      // them "No." with the model's full confidence.
      if (made || raw === phrase) return undefined;
      return shortPhrase(phrase) ? { kind: 'object', target: phrase } : undefined;
    }
    return undefined;
  }

  /**
   * Chinese questions by keyword: the same classes as English (unknowable first, then catalog facts, then what
   * the picture shows); a yes/no about the picture or anything unrecognised is `open` (abstain unless a
   * multilingual answerer is configured).
   */
  private routeChinese(text: string, language: DetectedLanguage): RoutedQuestion {
    const base = { text, language };
    const polar = /吗[？?]?\s*$|是不是|有没有|能不能|可不可以|会不会/.test(text);
    if (CARE_FIRST.zh.test(text)) return { ...base, type: 'catalog-text', topic: 'care', polar };
    const unknowable = matchTopic(UNKNOWABLE_RULES, text, 'zh');
    if (unknowable) return { ...base, type: 'unknowable', unknowable };
    const topic = matchTopic(CATALOG_TEXT_RULES, text, 'zh');
    if (topic) return { ...base, type: 'catalog-text', topic, polar };
    if (/有货|有库存|库存|缺货|现货|卖完|售罄|能买到/.test(text))
      return polar
        ? { ...base, type: 'yes-no', yesNo: { kind: 'stock', negated: /缺货|卖完|售罄/.test(text) } }
        : { ...base, type: 'stock' };
    if (
      /重量|净重|重多少|多重|几克|几公斤|多少克|尺寸|尺码|大小|多大|多长|多宽|多高|容量|容积|多少毫升|几升|规格/.test(
        text,
      )
    )
      return { ...base, type: 'size' };
    if (/价格|多少钱|价钱|售价|贵不贵|贵吗|便宜|几块钱|多少欧/.test(text)) return { ...base, type: 'price' };
    if (/品牌|牌子|哪个牌|谁生产|谁做的|厂家|厂商|制造商/.test(text)) return { ...base, type: 'brand' };
    if (polar) return { ...base, type: 'open' };
    if (/什么颜色|哪种颜色|颜色|什么色/.test(text)) return { ...base, type: 'colour' };
    if (/什么材料|材质|材料|什么做的|面料|用什么做/.test(text)) return { ...base, type: 'material' };
    if (/图案|花纹|花色/.test(text)) return { ...base, type: 'pattern' };
    if (/风格|款式|样式/.test(text)) return { ...base, type: 'style' };
    if (/这是什么|是什么东西|什么商品|什么产品|哪一类|类别|类型|品类/.test(text))
      return { ...base, type: 'category' };
    return { ...base, type: 'open' };
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

/** Short enough to be a thing a picture may show ("a lid", "a bicycle"), not a clause ("it contain nuts"). */
function shortPhrase(phrase: string): boolean {
  const words = phrase.trim().split(/\s+/);
  return (
    words.length <= 4 &&
    !words.some((w) =>
      /^(it|this|that|they|you|i|me|my|contain|contains|work|works|fit|fits|get|go|be)$/.test(w),
    )
  );
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
