import type { Product } from '@vitrine/catalog';
import {
  attributeText,
  catalogAttribute,
  CATALOG_KEYS,
  formatPrice,
  usableAsFact,
  withArticle,
  type AttributeName,
  type ColourNamer,
  type StoredAttribute,
} from '@vitrine/attributes';
import { cantTell, type AnswerEvidence, type VqaAnswer } from './answer';
import type { RoutedQuestion } from './question-router';
import {
  CATALOG_TEXT_NAMES,
  EVIDENCE_WORDS,
  UNKNOWABLE_REPLIES,
  type CatalogTextTopic,
  type UnknowableTopic,
} from './topics';

const SIZE_KEYS = ['size', 'sizes', 'dimensions', 'weight', 'volume', 'capacity', 'capacityMl'];

/** The product's facts as lines for a text model ("brand: Acme"). */
export function factLines(product: Product, stored: readonly StoredAttribute[] = []): string[] {
  const lines = [`title: ${product.title}`];
  if (product.brand) lines.push(`brand: ${product.brand}`);
  if (product.category) lines.push(`category: ${product.category}`);
  if (product.price) lines.push(`price: ${formatPrice(product.price)}`);
  lines.push(`availability: ${product.inStock ? 'in stock' : 'out of stock'}`);
  for (const [k, v] of Object.entries(product.attributes)) {
    const t = attributeText(v);
    if (t && k !== 'popularity') lines.push(`${k}: ${t}`);
  }
  for (const s of stored)
    lines.push(`${s.attribute} (seen in the picture, ${Math.round(s.confidence * 100)}% sure): ${s.value}`);
  return lines;
}

const fact = (
  q: RoutedQuestion,
  answer: string,
  value: string,
  explanation: string,
  source: VqaAnswer['source'] = 'catalog',
  confidence = 1,
  evidence?: readonly AnswerEvidence[],
): VqaAnswer => ({
  answer,
  value,
  answered: true,
  confidence,
  source,
  questionType: q.type,
  explanation,
  ...(evidence ? { evidence } : {}),
});

const zh = (q: RoutedQuestion) => q.language.code === 'zh';

/**
 * The reply to a question neither the picture nor the catalog can settle: never an answer, not even "No"; it
 * says what Vitrine cannot tell and where the shopper could find out. When the catalog text mentions the topic,
 * the mention is quoted as evidence, still without answering (a merchant's "nut-free" is not an allergy guarantee
 * Vitrine can give).
 */
export function unknowableAnswer(q: RoutedQuestion, product?: Product): VqaAnswer {
  const topic: UnknowableTopic = q.unknowable ?? 'safety';
  const r = UNKNOWABLE_REPLIES[topic][zh(q) ? 'zh' : 'en'];
  const mention = product ? findMention(product, UNKNOWABLE_MENTIONS[topic]) : undefined;
  const answer = zh(q)
    ? `我无法判断${r.what}：商品信息和图片都无法确认。请查看${r.where}。${mention ? `（商品${FIELD_ZH(mention.field)}中写道：“${mention.text}”）` : ''}`
    : `I can't tell ${r.what}: neither the catalog nor the picture can settle it. Please check ${r.where}.${mention ? ` (The ${fieldName(mention.field)} says: "${mention.text}".)` : ''}`;
  return cantTell(
    'unknowable',
    `${topic} questions are never answered from the catalog or the picture: a wrong answer could harm the shopper`,
    { answer, ...(mention ? { evidence: [mention] } : {}) },
  );
}

/** What counts as the catalog text mentioning an unknowable topic (quoted, never used as an answer). */
const UNKNOWABLE_MENTIONS: { readonly [T in UnknowableTopic]: RegExp } = {
  allergens: /allerg|\bnuts?\b|peanut|gluten|lactose|dairy|\bsoy|sesame|过敏|坚果|麸质/i,
  ingredients: /ingredient|contains|vegan|vegetarian|sugar|calorie|成分|配料/i,
  health: /health|medical|baby|infant|健康/i,
  safety: /\bsafe|safety|\bages? \d|choking|安全/i,
  certification: /certif|\bCE\b|\bFSC\b|fair ?trade|organic|认证/i,
  recall: /recall|召回/i,
  compatibility: /compatible|works with|兼容/i,
  delivery: /deliver|ships|shipped|shipping|配送|发货/i,
  returns: /return|refund|退货/i,
  'shelf-life': /best before|shelf life|expir|保质期/i,
  reviews: /review|rated|评价/i,
  orders: /\border\b|payment|订单/i,
};

/**
 * The answer the catalog already knows, or undefined when the picture must be looked at. Price, brand, stock and
 * size come only from here (a missing one is "I can't tell"); colour, material, pattern, style and category come
 * from the merchant's fields first, then from attributes extracted earlier that are usable as facts
 * ({@link usableAsFact}).
 */
export function answerFromCatalog(
  q: RoutedQuestion,
  product: Product,
  stored: readonly StoredAttribute[],
  colours: ColourNamer,
  minConfidence: number,
): VqaAnswer | undefined {
  const storedFor = (a: AttributeName) =>
    stored
      .filter((s) => s.attribute === a && usableAsFact(s, product, minConfidence))
      // Pixels first: for colour they are model-free evidence; otherwise the most confident.
      .sort(
        (x, y) =>
          Number(y.source === 'pixels') - Number(x.source === 'pixels') || y.confidence - x.confidence,
      )[0];

  switch (q.type) {
    case 'price':
      return product.price
        ? fact(
            q,
            zh(q) ? `价格是 ${formatPrice(product.price)}。` : `It costs ${formatPrice(product.price)}.`,
            formatPrice(product.price),
            'catalog price',
            'catalog',
            1,
            [{ field: 'price', text: formatPrice(product.price) }],
          )
        : cantTell(q.type, 'the catalog has no price for this product');
    case 'brand':
      return product.brand
        ? fact(
            q,
            zh(q) ? `品牌是 ${product.brand}。` : `It's made by ${product.brand}.`,
            product.brand,
            'catalog brand',
            'catalog',
            1,
            [{ field: 'brand', text: product.brand }],
          )
        : cantTell(q.type, 'the catalog has no brand for this product');
    case 'stock':
      return fact(
        q,
        zh(q)
          ? product.inStock
            ? '有货。'
            : '目前缺货。'
          : product.inStock
            ? "Yes, it's in stock."
            : "No, it's out of stock.",
        product.inStock ? 'in stock' : 'out of stock',
        'catalog stock flag',
        'catalog',
        1,
        [{ field: 'inStock', text: String(product.inStock) }],
      );
    case 'size': {
      const { keys, words } = sizeKeysFor(q.text);
      const found = keys
        .map((k) => [k, attributeText(product.attributes[k])] as const)
        .filter((kv): kv is readonly [string, string] => kv[1] !== undefined);
      if (found.length)
        return fact(
          q,
          zh(q)
            ? `${found.map(([k, v]) => `${SIZE_ZH[k] ?? k}：${v}`).join('；')}。`
            : `${found.map(([k, v]) => `${k[0]!.toUpperCase()}${k.slice(1)}: ${v}`).join('; ')}.`,
          found.map(([, v]) => v).join('; '),
          `catalog attributes ${found.map(([k]) => k).join(', ')}`,
          'catalog',
          1,
          found.map(([k, v]) => ({ field: `attributes.${k}`, text: v })),
        );
      const sentence = findMention(product, words);
      if (sentence) return quoted(q, sentence);
      return notStated(q, 'size');
    }
    case 'catalog-text': {
      const topic: CatalogTextTopic = q.topic ?? 'use';
      const found = findMention(product, EVIDENCE_WORDS[topic], topic);
      if (!found) return notStated(q, topic);
      // "Is it good for diabetics?" is not answered by a "Good for: dessert" list: a yes needs the asked use.
      if (q.polar && topic === 'use' && !mentionsAskedUse(q.text, found.text))
        return cantTell(q.type, 'the catalog says what it is good for, but not this', {
          answer: zh(q)
            ? `我无法判断：商品${FIELD_ZH(found.field)}只写道：“${found.text}”`
            : `I can't tell: the ${fieldName(found.field)} only says: "${found.text}"`,
          evidence: [found],
        });
      return quoted(q, found);
    }
    case 'unknowable':
      return unknowableAnswer(q, product);
    case 'category':
      return product.category
        ? fact(
            q,
            `It's ${product.title}, in ${product.category}.`,
            product.category,
            'catalog title and category',
            'catalog',
            1,
            [
              { field: 'title', text: product.title },
              { field: 'category', text: product.category },
            ],
          )
        : undefined;
    case 'colour':
    case 'material':
    case 'pattern':
    case 'style': {
      const known = catalogAttribute(product, q.type);
      if (known)
        return fact(q, sentence(q.type, known), known, `catalog attribute ${q.type}`, 'catalog', 1, [
          { field: `attributes.${catalogKey(product, q.type)}`, text: known },
        ]);
      const s = storedFor(q.type);
      return s
        ? fact(
            q,
            sentence(q.type, s.value),
            s.value,
            `${q.type} extracted from the picture (${s.source}, ${s.modelId})`,
            'stored-attributes',
            s.confidence,
          )
        : undefined;
    }
    case 'yes-no': {
      const t = q.yesNo;
      if (!t) return undefined;
      if (t.kind === 'stock') {
        const yes = t.negated ? !product.inStock : product.inStock;
        return fact(
          q,
          `${yes ? 'Yes' : 'No'}, it's ${product.inStock ? 'in stock' : 'out of stock'}.`,
          yes ? 'yes' : 'no',
          'catalog stock flag',
          'catalog',
          1,
          [{ field: 'inStock', text: String(product.inStock) }],
        );
      }
      if (t.kind === 'feature' || t.kind === 'object') {
        // "Does it have an inner pocket?": the catalog text that names it answers before any picture guess.
        // What it is ("Is it a bicycle?") only from the title; parts and features from any catalog text.
        const found =
          t.kind === 'feature'
            ? findMention(product, wordPattern(t.feature))
            : wordPattern(t.target).test(product.title)
              ? { field: 'title', text: product.title }
              : undefined;
        return found ? quoted({ ...q, polar: true }, found) : undefined;
      }
      const known = catalogAttribute(product, t.attribute);
      const fromCatalog = known !== undefined;
      const s = fromCatalog ? undefined : storedFor(t.attribute);
      const actual = known ?? s?.value;
      if (actual === undefined) return undefined;
      const same =
        t.attribute === 'colour'
          ? (colours.canonical(actual) ?? actual.toLowerCase()) === t.value
          : actual.toLowerCase() === t.value.toLowerCase();
      return fact(
        q,
        same ? `Yes, it's ${actual}.` : `No, it's ${actual}.`,
        same ? 'yes' : 'no',
        fromCatalog
          ? `catalog attribute ${t.attribute}`
          : `${t.attribute} extracted from the picture (${s!.source})`,
        fromCatalog ? 'catalog' : 'stored-attributes',
        fromCatalog ? 1 : s!.confidence,
        fromCatalog ? [{ field: `attributes.${catalogKey(product, t.attribute)}`, text: known }] : undefined,
      );
    }
    case 'open':
      return describedPart(q, product);
  }
}

/**
 * "What is the sole like?", "Tell me about the handles": a question about a named part, answered by quoting the
 * catalog sentence that names it. Only for questions that ask what something is like, never a yes/no (a
 * sentence naming the part does not say yes or no to anything else about it).
 */
function describedPart(q: RoutedQuestion, product: Product): VqaAnswer | undefined {
  const m =
    /^(?:what(?:'s| is| are)|how(?:'s| is| are)) (?:the |its |it's )?([a-z][a-z -]{1,40}?) like\s*\??$/i.exec(
      q.text,
    ) ?? /^(?:tell me about|describe|what about) (?:the |its )?([a-z][a-z -]{1,40}?)\s*\??$/i.exec(q.text);
  const part = m?.[1]?.trim();
  if (!part || /^(it|this|that|they|them)$/i.test(part)) return undefined;
  const found = findMention(product, wordPattern(part));
  return found ? quoted(q, found) : undefined;
}

/** A phrase's words, whole-word and plural-tolerant, all required ("inner pocket" ~ "an inner zip pocket"). */
function wordPattern(phrase: string): RegExp {
  const words = phrase
    .toLowerCase()
    .replace(/^(?:a|an|the|any|some)\s+/, '')
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 1);
  const parts = words.map((w) => `(?=.*\\b${w.replace(/(?<=[sxz]|ch|sh)es$|(?<!s)s$/, '')}(?:s|es)?\\b)`);
  return new RegExp(`^${parts.join('')}`, 'i');
}

const SIZE_ZH: Readonly<Record<string, string>> = {
  size: '尺寸',
  sizes: '尺寸',
  dimensions: '尺寸',
  weight: '重量',
  volume: '容量',
  capacity: '容量',
  capacityMl: '容量（毫升）',
};

/**
 * The attribute keys a size question asks for, and the words of a sentence that answers it: a weight question is
 * not answered with a volume.
 */
function sizeKeysFor(text: string): { readonly keys: string[]; readonly words: RegExp } {
  const t = text.toLowerCase();
  if (/weigh|heavy|重|克|公斤/.test(t))
    return { keys: ['weight'], words: /\b\d+(?:[.,]\d+)?\s?(?:kg|g|grams?|oz|lbs?)\b|weighs/i };
  if (/volume|capacity|\bml\b|litre|liter|容量|容积|毫升|升/.test(t))
    return {
      keys: ['volume', 'capacity', 'capacityMl'],
      words: /\b\d+(?:[.,]\d+)?\s?(?:ml|l|cl|litres?|liters?|fl oz)\b|holds/i,
    };
  return {
    keys: SIZE_KEYS,
    words:
      /\b\d+(?:[.,]\d+)?\s?(?:mm|cm|m|in|inch|inches|"|kg|g|ml|l|cl)\b|dimension|measures|weighs|\bsize\b/i,
  };
}

/** `description` → "description", `attributes.weight` → "weight attribute". */
function fieldName(field: string): string {
  return field.startsWith('attributes.') ? `catalog attribute "${field.slice(11)}"` : `product ${field}`;
}

function FIELD_ZH(field: string): string {
  if (field === 'title') return '标题';
  if (field === 'description') return '描述';
  return `属性“${field.replace(/^attributes\./, '')}”`;
}

/**
 * The first catalog text that matches `words`: an attribute whose key or value does (attributes named after the
 * topic first), then a sentence of the title or description. Verbatim, with its field.
 */
function findMention(product: Product, words: RegExp, topic?: string): AnswerEvidence | undefined {
  const attrs = Object.entries(product.attributes).flatMap(([k, v]) => {
    const t = attributeText(v);
    return t && k !== 'popularity' ? [{ key: k, text: t }] : [];
  });
  const keyWord = topic?.split('-')[0];
  const byKey = keyWord ? attrs.find((a) => a.key.toLowerCase().includes(keyWord)) : undefined;
  if (byKey) return { field: `attributes.${byKey.key}`, text: byKey.text };
  for (const a of attrs)
    if (words.test(`${a.key}: ${a.text}`)) return { field: `attributes.${a.key}`, text: a.text };
  // The description before the title: a title names the product ("Parchment Paper"), the description states facts.
  for (const [field, text] of [
    ['description', product.description ?? ''],
    ['title', product.title],
  ] as const) {
    for (const s of sentences(text)) if (words.test(s)) return { field, text: s };
  }
  return undefined;
}

/** Sentences of a text (after . ! ? 。！？ followed by a space or the end), trimmed. */
function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|(?<=[。！？])/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

const NEGATION = /\b(?:not|no|never|without|non)\b|不|无|没有/i;

/** Whether the use a polar question asks about ("good for camping") is named in the catalog sentence. */
function mentionsAskedUse(question: string, sentence: string): boolean {
  const asked = /(?:good|suitable|used|meant|made|perfect|ideal|great)\s+for\s+(.+?)\s*[?？]?$/i.exec(
    question,
  )?.[1];
  if (!asked) return false;
  const words = asked
    .toLowerCase()
    .split(/[^a-z\u4e00-\u9fff]+/)
    .filter((w) => w.length > 2 && !['the', 'and', 'use', 'using', 'people', 'someone', 'with'].includes(w));
  const s = sentence.toLowerCase();
  return words.length > 0 && words.every((w) => s.includes(w.replace(/s$/, '')));
}

/** A catalog-text answer: the quote, and yes/no when the question asked for it. */
function quoted(q: RoutedQuestion, e: AnswerEvidence): VqaAnswer {
  const polarValue = q.polar ? (NEGATION.test(e.text) ? 'no' : 'yes') : undefined;
  const lead = zh(q)
    ? polarValue
      ? polarValue === 'yes'
        ? '是的。'
        : '不是。'
      : ''
    : polarValue
      ? polarValue === 'yes'
        ? 'Yes. '
        : 'No. '
      : '';
  const answer = zh(q)
    ? `${lead}商品${FIELD_ZH(e.field)}中写道：“${e.text}”`
    : `${lead}The ${fieldName(e.field)} says: "${e.text}"`;
  return fact(q, answer, polarValue ?? e.text, `quoted from the catalog (${e.field})`, 'catalog', 1, [e]);
}

/** The catalog does not state it: "I can't tell", never "No". */
function notStated(q: RoutedQuestion, topic: CatalogTextTopic | 'size'): VqaAnswer {
  const name = CATALOG_TEXT_NAMES[topic];
  return cantTell(q.type, `the catalog's title, description and attributes do not state ${name.en}`, {
    answer: zh(q)
      ? `我无法判断：商品信息中没有写明${name.zh}。请咨询卖家或生产商。`
      : `I can't tell: the catalog does not state ${name.en}. The seller or the manufacturer could tell you.`,
  });
}

/** The catalog key an attribute was read from (`color` or `colour`…). */
function catalogKey(product: Product, attribute: AttributeName): string {
  if (attribute === 'category') return 'category';
  return CATALOG_KEYS[attribute].find((k) => attributeText(product.attributes[k])) ?? attribute;
}

function sentence(attribute: AttributeName, value: string): string {
  switch (attribute) {
    case 'colour':
      return `It's ${value}.`;
    case 'material':
      return `It's made of ${value}.`;
    case 'pattern':
      return `It has ${withArticle(value)} pattern.`;
    case 'style':
      return `Its style is ${value}.`;
    case 'category':
      return `It's in ${value}.`;
  }
}
