import { CATEGORY_WORDS, COLOURS_EN, COLOURS_ZH, CURRENCY_WORDS, resolveCategory } from './lexicon';
import type {
  ClearableSlot,
  Intent,
  Lang,
  OutOfScopeTopic,
  ParsedTurn,
  PriceSlot,
  ProductReference,
  Slots,
  SortOrder,
  Vocabulary,
} from './types';

const EMPTY_VOCABULARY: Vocabulary = { brands: [], categories: [] };
/** Product words → category, longest first ("teapot" before "tea", "运动鞋" before "鞋"). */
const EN_PRODUCT_WORDS: readonly (readonly [string, string])[] = Object.entries(CATEGORY_WORDS)
  .flatMap(([category, words]) => words.en.map((w) => [w, category] as const))
  .sort((a, b) => b[0].length - a[0].length);
const ZH_PRODUCT_WORDS: readonly (readonly [string, string, string])[] = Object.entries(CATEGORY_WORDS)
  .flatMap(([category, words]) => Object.entries(words.zh).map(([zh, en]) => [zh, en, category] as const))
  .sort((a, b) => b[0].length - a[0].length);
const CJK = /[\u3400-\u9fff]/;

/**
 * Parses one shopper turn (English or Simplified Chinese) into an intent and its slots, without a model and without
 * state: what "the second one" or "cheaper" points at is resolved by the dialogue state. Pure and fast (a few
 * regular expressions), so the chat answers without a remote model.
 */
export function parseUtterance(text: string, vocabulary: Vocabulary = EMPTY_VOCABULARY): ParsedTurn {
  const lang: Lang = CJK.test(text) ? 'zh' : 'en';
  const normal = normalise(text);
  return lang === 'zh' ? parseZh(normal, vocabulary) : parseEn(normal, vocabulary);
}

function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[’‘`]/g, "'")
    .replace(
      /[，。！；：、]/g,
      (c) => ({ '，': ',', '。': '.', '！': '!', '；': ';', '：': ':', '、': ',' })[c] ?? c,
    )
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/** A mutable view of the text: recognised spans are cut out, what remains feeds the query. */
class Text {
  constructor(public rest: string) {}
  /** The first match of `re` (cut out of the rest), or undefined. */
  take(re: RegExp): RegExpMatchArray | undefined {
    const m = this.rest.match(re);
    if (!m || m.index === undefined) return undefined;
    this.rest = `${this.rest.slice(0, m.index)} ${this.rest.slice(m.index + m[0].length)}`;
    return m;
  }
  has(re: RegExp): boolean {
    return re.test(this.rest);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// English
// ---------------------------------------------------------------------------------------------------------------

const ORDINALS_EN: Readonly<Record<string, number>> = {
  first: 0,
  '1st': 0,
  second: 1,
  '2nd': 1,
  third: 2,
  '3rd': 2,
  fourth: 3,
  '4th': 3,
  fifth: 4,
  '5th': 4,
  sixth: 5,
  '6th': 5,
  seventh: 6,
  '7th': 6,
  eighth: 7,
  '8th': 7,
  ninth: 8,
  '9th': 8,
  tenth: 9,
  '10th': 9,
  last: -1,
};
const COUNTS_EN: Readonly<Record<string, number>> = {
  two: 2,
  '2': 2,
  three: 3,
  '3': 3,
  four: 4,
  '4': 4,
  five: 5,
  '5': 5,
  both: 2,
};
const ORDINAL_WORD = Object.keys(ORDINALS_EN).join('|');
const ITEM_NOUN = `(?:one|ones|item|product|option|pair|result)`;

const NUMBER = `(\\d+(?:[.,]\\d{1,2})?)`;
const CUR_BEFORE = `(€|\\$|£|¥)`;
const CUR_AFTER = `(€|\\$|£|¥|eur|euros?|usd|dollars?|bucks|gbp|pounds?|cny|rmb|yuan)`;
/** A sum of money: "€50", "50 euros", "50" (captures: symbol, amount, currency after). */
const MONEY = `(?:${CUR_BEFORE}\\s?)?${NUMBER}(?:\\s?${CUR_AFTER}\\b)?`;

const STOP_EN = new Set(
  (
    "i i'm im me my we you your a an the some any something anything show find get give search look looking for want " +
    'would like need please can could do does have got there is are with and or of in on to me, it its that this ' +
    'those these ones one just only also but instead too very really maybe kind sort type buy shop see let us ' +
    "which what whats what's hello hi hey thanks thank okay ok so then now more items products product stuff cost " +
    'about how good morning afternoon evening bye goodbye cheers great'
  ).split(' '),
);

function parseEn(normal: string, vocabulary: Vocabulary): ParsedTurn {
  const t = new Text(` ${normal.replace(/[?!.,;:]+/g, (p) => ` ${p} `).replace(/\s+/g, ' ')} `);
  const questionShaped =
    /\?\s*$/.test(normal) ||
    /^(is|are|does|do|did|can|could|will|would|what|whats|what's|how|which|has|have|who|where|when|why|tell me)\b/.test(
      normal,
    );
  const slots: Mutable<Slots> = {};

  const startOver = t.take(
    /\b(start (over|again|afresh)|reset|new search|forget (it|that|everything|all that)|clear (the |all )?filters|from scratch)\b/,
  );
  const topic = outOfScopeEn(t);

  const clear: ClearableSlot[] = [];
  if (
    t.take(
      /\b(any|whatever|every|all) colou?rs?\b|\bcolou?rs? (doesn't|does not|don't|do not) matter\b|\bno colou?r preference\b/,
    )
  )
    clear.push('colour');
  if (t.take(/\b(any|whatever) brands?\b|\bbrand (doesn't|does not) matter\b/)) clear.push('brand');
  if (t.take(/\b(any|whatever) price\b|\bno budget\b|\bprice (doesn't|does not) matter\b/))
    clear.push('price');
  if (clear.length > 0) slots.clear = clear;

  // Sort before price and references: "cheapest first" is an order, not a product.
  const sort = sortEn(t);
  if (sort) slots.sort = sort;

  const exclude = t.take(
    /\b(not (that|this) brand|(a |an )?(different|another|other) brands?|no more (from )?(that|this) brand)\b/,
  );
  if (exclude) slots.excludeBrand = '@focus';

  const references = referencesEn(t);

  let price = priceEn(t);
  const inCurrency = t.take(/\bin (euros?|eur|dollars?|usd|pounds?|gbp|yuan|rmb|cny)\b/);
  if (inCurrency?.[1] && !price?.relative)
    price = { ...price, currency: CURRENCY_WORDS[inCurrency[1]] ?? 'EUR' };
  if (price) slots.price = price;

  if (
    t.take(
      /\b(only |just )?(in[- ]stock|available( now)?|on hand|that (are|is) available|you have in stock)\b/,
    )
  )
    slots.inStock = true;

  const brand = brandEn(t, vocabulary);
  if (brand?.exclude) slots.excludeBrand = brand.name;
  else if (brand) slots.brand = brand.name;

  const colour = t.take(new RegExp(`\\b(${COLOURS_EN.join('|')})\\b`));
  if (colour?.[1]) slots.colour = colour[1] === 'gray' ? 'grey' : colour[1];

  let categoryWord: string | undefined;
  for (const [word, category] of EN_PRODUCT_WORDS) {
    const m = t.rest.match(new RegExp(`\\b(${escape(word)})\\b`));
    if (m?.[1]) {
      const resolved = resolveCategory(category, vocabulary.categories);
      if (resolved) slots.category = resolved;
      categoryWord = m[1];
      break;
    }
  }
  const namedCategory = vocabulary.categories.find((c) =>
    new RegExp(`\\b${escape(c.toLowerCase())}\\b`).test(t.rest),
  );
  if (!slots.category && namedCategory) slots.category = namedCategory;

  const compare = t.has(/\b(compare|comparison|difference|differences|differ|versus|vs)\b/);
  const similar = t.has(
    /\b(similar|like (this|that|it|these|the|them|#|number|\d)|alike|resembl\w*)\b|\bmore like\b/,
  );
  const showMore =
    !similar &&
    t.has(
      /\b((show|see|give|load|get)( me)? more|more (results|options|please)|next page|anything else|what else|other options|^ *more *$)\b/,
    );
  const greeting = t.has(
    /^\s*(hi|hello|hey|hiya|howdy|good (morning|afternoon|evening)|greetings|thanks|thank you|thx|bye|goodbye|ok(ay)? ?,? thanks|cheers)\b/,
  );
  const help = t.has(
    /\b(help|what can you do|how does (this|it) work|how do i use|what do you do|who are you|what do you (sell|have|offer)|what (can|could) i (buy|find)|what (can|could|should) i (ask|say|type)|how (can|could) you help|what can you help)\b/,
  );
  const stockQuestion = questionShaped && /\b(in stock|available|back in stock)\b/.test(normal);

  const content = contentWords(t.rest, categoryWord);
  const query = [slots.colour, ...content.filter((w) => w !== slots.colour)].join(' ').trim();
  if (query) slots.query = query;
  if (references.length > 0) slots.references = references;
  // "show me the cheapest bags" orders bags; it points at no product shown.
  if (
    slots.category &&
    references.length === 1 &&
    references[0]!.kind === 'cheapest' &&
    !references[0]!.among
  ) {
    slots.sort = 'price-asc';
    references.length = 0;
    delete slots.references;
  }
  const productQuestion =
    references.length > 0 && questionShaped && !price && !slots.sort && !slots.excludeBrand;
  const helpOnly =
    help && !slots.category && content.every((w) => /^(help|sell|offer|buy|find|ask|say|type)$/.test(w));

  let intent: Intent;
  if (startOver) intent = 'start-over';
  else if (topic === 'delivery' && references.length > 0) {
    intent = 'question';
    const q = questionText(normal);
    if (q) slots.question = q;
  } else if (topic) {
    intent = 'out-of-scope';
    slots.topic = topic;
  } else if (compare) intent = 'compare';
  else if (similar && !slots.category) {
    intent = 'similar';
    if (references.length === 0) slots.references = [{ kind: 'focus' }];
  } else if (helpOnly) intent = 'help';
  else if (productQuestion || (stockQuestion && !slots.category && !price)) {
    intent = 'question';
    delete slots.inStock;
    if (references.length === 0) slots.references = [{ kind: 'focus' }];
    const q = questionText(normal);
    if (q) slots.question = q;
  } else if (references.length > 0 && !slots.excludeBrand && !price && !slots.inStock && !slots.sort) {
    intent = 'question';
    const q = questionText(normal);
    if (q) slots.question = q;
  } else if (
    questionShaped &&
    /\b(it|that one|this one|that|this)\b/.test(normal) &&
    !slots.category &&
    !/\b(do|does) you (have|sell|carry)\b/.test(normal) &&
    !price &&
    !slots.inStock
  ) {
    intent = 'question';
    slots.references = [{ kind: 'focus' }];
    const q = questionText(normal);
    if (q) slots.question = q;
  } else if (showMore) intent = 'show-more';
  else if (clear.length > 0 && !slots.category && content.length === 0) intent = 'refine';
  else if (slots.sort && !slots.category && content.length === 0) intent = 'sort';
  else if (
    !slots.category &&
    content.length === 0 &&
    (slots.colour || price || slots.inStock || slots.brand || slots.excludeBrand)
  )
    intent = 'refine';
  else if (/\binstead\b/.test(normal) && (slots.colour || slots.category || price)) intent = 'refine';
  else if (clear.length > 0 && !slots.category) intent = 'refine';
  else if (greeting && content.length === 0 && !slots.category) intent = 'greeting';
  else intent = 'search';
  if (intent === 'search' && !slots.query && !slots.category && !slots.brand) {
    // Nothing recognisable: search for the words as typed rather than pretend to understand them.
    const raw = normal.replace(/[?!.]+$/g, '').trim();
    if (raw) slots.query = raw;
  }
  if (similar && intent === 'search' && /^\s*(more|something|anything|others?) like\b/.test(normal))
    intent = 'similar';
  if (intent === 'search' && namesNothingKnown(slots)) slots.unrecognised = true;
  return { lang: 'en', intent, slots: withoutStrayQuery(intent, slots) };
}

function outOfScopeEn(t: Text): OutOfScopeTopic | undefined {
  if (
    t.has(
      /\b(my order|order status|order number|where is my (order|package|parcel|stuff)|track(ing)? (my |the )?(order|package|parcel|shipment)|my (package|parcel|shipment)|cancel (my |the )?order)\b/,
    )
  )
    return 'order-status';
  if (t.has(/\b(return|returns|returning|refund|refunds|exchange it|send (it )?back|money back)\b/))
    return 'returns';
  if (
    t.has(
      /\b(pay|payment|payments|paypal|credit card|debit card|invoice|klarna|checkout|instal?lments?|charged twice|billing|apple pay|gift card balance)\b/,
    )
  )
    return 'payment';
  if (
    t.has(
      /\b(shipping (cost|costs|time|fee|fees)|delivery (time|cost|costs|fee|date)|how long (does|will) (shipping|delivery)|ship to|deliver to|when will (it|my \w+) arrive)\b/,
    )
  )
    return 'delivery';
  if (t.has(/\b(my account|password|log ?in|sign ?in|sign up|unsubscribe|newsletter)\b/)) return 'account';
  // Shop services, not products: the catalog says nothing about them.
  if (
    t.has(
      /\b(gift ?wrap(ped|ping)?|gift message|gift receipt|engraving service|click and collect|pick ?up in store)\b/,
    )
  )
    return 'other';
  return undefined;
}

function sortEn(t: Text): SortOrder | undefined {
  if (
    t.take(
      /\b((sort(ed)?|order(ed)?|rank(ed)?) by price ?,? (high(est)? to low(est)?|descending|desc|(highest|most expensive) first)|(most expensive|priciest|highest price|dearest)( ones?)? first|price,? high(est)? to low(est)?)\b/,
    )
  )
    return 'price-desc';
  if (
    t.take(
      /\b((sort(ed)?|order(ed)?|rank(ed)?) by (price|cost)( ?,? (low(est)? to high(est)?|ascending|asc|(lowest|cheapest) first))?|(cheapest|lowest price|least expensive)( ones?)? first|price,? low(est)? to high(est)?|by price)\b/,
    )
  )
    return 'price-asc';
  if (t.take(/\b(sort(ed)?|order(ed)?) by (relevance|best match)\b/)) return 'relevance';
  return undefined;
}

function referencesEn(t: Text): ProductReference[] {
  const refs: ProductReference[] = [];
  const which = t.take(
    /\bwhich(?: one)?(?: of (?:the|these|those|them|both)(?: (two|three|four|five|2|3|4|5))?)?(?: one)? (?:is|'s|costs?) (?:the )?(cheaper|cheapest|less expensive|least expensive|more expensive|most expensive|pricier|priciest|dearer)\b/,
  );
  if (which?.[2]) {
    const count = which[1] ? COUNTS_EN[which[1]] : undefined;
    refs.push({
      kind: /cheap|less|least/.test(which[2]) ? 'cheapest' : 'priciest',
      ...(count ? { among: count } : {}),
    });
    return refs;
  }
  // "the cheaper of the two", "the cheapest one", "the more expensive of the two", "which is cheaper"
  const among = t.take(
    new RegExp(
      `\\b(?:the )?(cheaper|cheapest|less expensive|least expensive|more expensive|most expensive|pricier|priciest|dearer)(?: ${ITEM_NOUN})?(?: (?:of|among|between) (?:the |these |those )?(two|both|three|four|five|2|3|4|5)(?: ${ITEM_NOUN})?)?\\b`,
    ),
  );
  if (among?.[1]) {
    const cheap = /cheap|less|least/.test(among[1]);
    const count = among[2] ? COUNTS_EN[among[2]] : undefined;
    const isReference =
      among[2] !== undefined ||
      /^\s*(?:the )/.test(among[0]) ||
      /(cheapest|least|most|priciest)/.test(among[1]);
    if (isReference) refs.push({ kind: cheap ? 'cheapest' : 'priciest', ...(count ? { among: count } : {}) });
    else t.rest = `${t.rest} ${among[0]}`; // "cheaper" alone is a price refinement: put it back
  }
  // "the first two", "the last three"
  const range = t.take(
    new RegExp(`\\b(?:the )?(first|last|top) (two|three|four|five|2|3|4|5)(?: ${ITEM_NOUN})?\\b`),
  );
  if (range?.[1] && range[2]) {
    const n = COUNTS_EN[range[2]] ?? 2;
    for (let i = 0; i < n; i++) refs.push({ kind: 'ordinal', index: range[1] === 'last' ? -(n - i) : i });
  }
  // "the second one", "the 3rd", "the first and the third", "number 2", "#2", "item 3"
  for (;;) {
    const m = t.take(
      // "the last one", "the 2nd", "second one", "first and third"; not "last week".
      new RegExp(
        `\\b(?:the (${ORDINAL_WORD})(?: ${ITEM_NOUN})?|(${ORDINAL_WORD})(?: ${ITEM_NOUN}|(?= *(?:and|or|,|\\?|\\.|!|$))))`,
      ),
    );
    const word = m?.[1] ?? m?.[2];
    if (!word) break;
    const index = ORDINALS_EN[word];
    if (index !== undefined) refs.push({ kind: 'ordinal', index });
  }
  for (;;) {
    const m = t.take(/(?:#|\bnumber |\bno\. ?|\bitem |\boption |\bproduct )(\d{1,2})\b/);
    if (!m?.[1]) break;
    refs.push({ kind: 'ordinal', index: Number(m[1]) - 1 });
  }
  if (
    refs.length === 0 &&
    t.take(/\b(that one|this one|that product|this product|that item|this item|the one|them|it)\b/)
  )
    refs.push({ kind: 'focus' });
  return refs;
}

function priceEn(t: Text): PriceSlot | undefined {
  const between = t.take(new RegExp(`\\b(?:between|from)\\s+${MONEY}\\s+(?:and|to|-)\\s+${MONEY}`));
  if (between) {
    const currency = currencyOf(between[1], between[3]) ?? currencyOf(between[4], between[6]);
    return withCurrency({ min: amount(between[2]), max: amount(between[5]) }, currency);
  }
  const dash = t.take(new RegExp(`${MONEY}\\s?(?:-|–|to)\\s?${MONEY}`));
  if (dash && (dash[1] || dash[3] || dash[4] || dash[6])) {
    const currency = currencyOf(dash[1], dash[3]) ?? currencyOf(dash[4], dash[6]);
    return withCurrency({ min: amount(dash[2]), max: amount(dash[5]) }, currency);
  }
  // "nothing over 80 euros", "not above $50": a ceiling, though "over" alone is a floor.
  const notOver = t.take(
    new RegExp(
      `\\b(?:nothing|not|no|none|never|don't want anything)\\s+(?:over|above|more than|beyond|exceeding|pricier than|more expensive than)\\s*${MONEY}`,
    ),
  );
  if (notOver) return withCurrency({ max: amount(notOver[2]) }, currencyOf(notOver[1], notOver[3]));
  const max = t.take(
    new RegExp(
      `(?:\\bunder|\\bbelow|\\bless than|\\bcheaper than|\\bmax(?:imum)?|\\bup to|\\bno more than|\\bnot more than|\\bat most|\\bwithin|\\bbudget(?: of| is)?|<=?)\\s*${MONEY}(?:\\s*(?:or less|max))?`,
    ),
  );
  if (max) return withCurrency({ max: amount(max[2]) }, currencyOf(max[1], max[3]));
  const orLess = t.take(new RegExp(`${MONEY}\\s*(?:or less|or under|max|tops)\\b`));
  if (orLess) return withCurrency({ max: amount(orLess[2]) }, currencyOf(orLess[1], orLess[3]));
  const min = t.take(
    new RegExp(
      `(?:\\bover|\\babove|\\bmore than|\\bexceeding|\\bat least|\\bmin(?:imum)?|\\bstarting at|>=?)\\s*${MONEY}`,
    ),
  );
  if (min) return withCurrency({ min: amount(min[2]) }, currencyOf(min[1], min[3]));
  const around = t.take(new RegExp(`(?:\\baround|\\babout|\\broughly|\\bapprox(?:imately)?)\\s*${MONEY}`));
  if (around && (around[1] || around[3])) {
    const v = amount(around[2]);
    return withCurrency({ min: round2(v * 0.8), max: round2(v * 1.2) }, currencyOf(around[1], around[3]));
  }
  if (
    t.take(
      /\b(cheaper|less expensive|lower price[ds]?|more affordable|budget|inexpensive|cheap)( ones?| options?)?\b/,
    )
  )
    return { relative: 'cheaper' };
  if (t.take(/\b(more expensive|pricier|higher[- ]end|fancier|premium)( ones?| options?)?\b/))
    return { relative: 'pricier' };
  return undefined;
}

function brandEn(t: Text, vocabulary: Vocabulary): { name: string; exclude: boolean } | undefined {
  const brands = [...vocabulary.brands].sort((a, b) => b.length - a.length);
  for (const name of brands) {
    const re = new RegExp(
      `(\\b(?:not|no|except|without|other than|anything but|excluding)\\s+(?:from\\s+|by\\s+)?)?(?:\\bby\\s+|\\bfrom\\s+)?(?<![\\w])${escape(name.toLowerCase())}(?![\\w])(?:\\s+brand)?(?:\\s+please)?`,
    );
    const m = t.take(re);
    if (m) return { name, exclude: m[1] !== undefined };
  }
  return undefined;
}

function contentWords(rest: string, categoryWord: string | undefined): string[] {
  const words = rest
    .replace(/[?!.,;:()"]+/g, ' ')
    .split(' ')
    .filter((w) => w.length > 1 && !STOP_EN.has(w) && !/^\d+$/.test(w));
  if (categoryWord && !words.includes(categoryWord)) words.push(categoryWord);
  return words;
}

/** The question with its product reference replaced by "it": "is the first one waterproof?" → "is it waterproof?". */
function questionText(normal: string): string | undefined {
  const q = normal
    .replace(new RegExp(`\\b(the )?(first|last|top) (two|three|2|3)( ${ITEM_NOUN})?\\b`), 'them')
    .replace(
      new RegExp(
        `\\b(the )?(cheaper|cheapest|less expensive|more expensive|most expensive|pricier|priciest)( ${ITEM_NOUN})?( (of|among|between) (the )?(two|both|three|2|3)( ${ITEM_NOUN})?)?\\b`,
      ),
      'it',
    )
    .replace(new RegExp(`\\b(the )?(${ORDINAL_WORD})( ${ITEM_NOUN})?\\b`, 'g'), 'it')
    .replace(/(#|\bnumber |\bitem |\boption )\d{1,2}\b/g, 'it')
    .replace(/\b(that one|this one|that product|this product|that item|this item)\b/g, 'it')
    .replace(/\s+/g, ' ')
    .trim();
  const bare = q
    .replace(/[?!.]/g, '')
    .replace(
      /\b(and|the|it|tell me (more )?about|what about|how about|show me|more about|details( of| about| on)?|about)\b/g,
      '',
    )
    .trim();
  return bare.length === 0 ? undefined : q;
}

// ---------------------------------------------------------------------------------------------------------------
// Simplified Chinese
// ---------------------------------------------------------------------------------------------------------------

const ZH_DIGITS: Readonly<Record<string, number>> = {
  一: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
  十: 10,
};
const ZH_MEASURE = '(?:个|款|件|双|种|项|条|台|把|只|本|瓶|顶|支)';

function zhNumber(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s);
  return ZH_DIGITS[s];
}

function parseZh(normal: string, vocabulary: Vocabulary): ParsedTurn {
  const t = new Text(normal);
  const slots: Mutable<Slots> = {};
  const questionShaped = /[?？]\s*$|吗|呢|什么|多少|几|是否|是不是|能不能|有没有|怎么样|如何|哪/.test(normal);

  const startOver = t.take(/重新开始|重新来|重来|从头开始|清空(筛选|条件)?|重置|换个话题/);
  const topic = outOfScopeZh(t);
  const clear: ClearableSlot[] = [];
  if (t.take(/颜色(无所谓|不限|都行|都可以|随便)|什么颜色都(行|可以)|任何颜色/)) clear.push('colour');
  if (t.take(/品牌(无所谓|不限|都行|都可以|随便)|什么(牌子|品牌)都(行|可以)/)) clear.push('brand');
  if (t.take(/价格(无所谓|不限|都行|随便)/)) clear.push('price');
  if (clear.length > 0) slots.clear = clear;
  const sort = sortZh(t);
  if (sort) slots.sort = sort;
  if (t.take(/不要(这个|那个|这|那)(个)?(牌子|品牌)|换(个|一个)(牌子|品牌)|(别的|其他|其它)(牌子|品牌)/))
    slots.excludeBrand = '@focus';

  const references = referencesZh(t);
  const price = priceZh(t);
  if (price) slots.price = price;
  if (t.take(/(只要|只看)?(有货|有库存|现货)(的)?/)) slots.inStock = true;

  const brands = [...vocabulary.brands].sort((a, b) => b.length - a.length);
  for (const name of brands) {
    const m = t.take(new RegExp(`(不要|除了|不是)?\\s*${escape(name.toLowerCase())}\\s*(牌|品牌)?(的)?`));
    if (m) {
      if (m[1]) slots.excludeBrand = name;
      else slots.brand = name;
      break;
    }
  }

  for (const [word, colour] of Object.entries(COLOURS_ZH).sort((a, b) => b[0].length - a[0].length)) {
    if (word.length < 2) continue;
    if (t.take(new RegExp(`(换成|改成)?${word}(的)?`))) {
      slots.colour = colour;
      break;
    }
  }

  let productWord: string | undefined;
  for (const [zh, en, category] of ZH_PRODUCT_WORDS) {
    if (t.rest.includes(zh)) {
      const resolved = resolveCategory(category, vocabulary.categories);
      if (resolved) slots.category = resolved;
      productWord = en;
      t.take(new RegExp(escape(zh)));
      break;
    }
  }

  const compare = /比较|对比|区别|不同|哪个更好|差别/.test(normal);
  const similar = /类似|相似|差不多的|像这个|像那个|像它|一样的|同款/.test(normal);
  const showMore = !similar && /更多|再来|下一页|还有(别的|其他|其它)|再看看|多看/.test(normal);
  const greeting = /^(你好|您好|嗨|哈喽|早上好|下午好|晚上好|在吗|谢谢|多谢|再见|拜拜|好的)/.test(normal);
  const help =
    /帮助|你能做什么|你会什么|怎么用|能帮我什么|使用说明|帮我一下|帮帮我|(你们|你)(卖|有)(些)?什么|(可以|能)问(你)?什么|问你什么/.test(
      normal,
    );

  const leftover = t.rest
    .replace(/[?？!！.,，。\s]/g, '')
    .replace(/^(你好|您好|嗨|哈喽|早上好|下午好|晚上好|在吗|谢谢|多谢|再见|拜拜|好的)+/, '')
    .replace(/谢谢|再见|拜拜/g, '')
    .replace(
      /我|想要|想|要|买|找|看看|看|一些|一下|一个|的|吗|呢|吧|了|给|请|有没有|有|什么|样|推荐|帮|能|可以|你们|你|些|再|只|还|就|也|那|这|它|款|个|件|是|都|和|在|还是|换成|改成/g,
      '',
    )
    .trim();
  const content = leftover.length > 0;
  const query = [slots.colour, productWord].filter(Boolean).join(' ');
  if (query) slots.query = query;
  else if (content) slots.query = leftover;
  if (references.length > 0) slots.references = references;
  // "最便宜的包" orders bags; it points at no product shown.
  if (
    slots.category &&
    references.length === 1 &&
    references[0]!.kind === 'cheapest' &&
    !references[0]!.among
  ) {
    slots.sort = 'price-asc';
    references.length = 0;
    delete slots.references;
  }

  const productQuestion =
    references.length > 0 && questionShaped && !price && !slots.sort && !slots.excludeBrand;
  const stockQuestion = questionShaped && /有货|到货|库存/.test(normal) && !slots.category && !price;

  let intent: Intent;
  if (startOver) intent = 'start-over';
  else if (topic === 'delivery' && questionShaped) {
    // "多久能发货？" asks about a product's delivery: product Q&A says what it cannot know.
    intent = 'question';
    if (references.length === 0) slots.references = [{ kind: 'focus' }];
    const q = questionTextZh(normal);
    if (q) slots.question = q;
  } else if (topic) {
    intent = 'out-of-scope';
    slots.topic = topic;
  } else if (compare) intent = 'compare';
  else if (similar && !slots.category) {
    intent = 'similar';
    if (references.length === 0) slots.references = [{ kind: 'focus' }];
  } else if (help && !slots.category) intent = 'help';
  else if (productQuestion || stockQuestion) {
    intent = 'question';
    delete slots.inStock;
    if (references.length === 0) slots.references = [{ kind: 'focus' }];
    const q = questionTextZh(normal);
    if (q) slots.question = q;
  } else if (references.length > 0 && !slots.excludeBrand && !price && !slots.inStock && !slots.sort) {
    intent = 'question';
    const q = questionTextZh(normal);
    if (q) slots.question = q;
  } else if (showMore) intent = 'show-more';
  else if (clear.length > 0 && !slots.category && !productWord) intent = 'refine';
  else if (slots.sort && !slots.category) intent = 'sort';
  else if (
    !slots.category &&
    !productWord &&
    (slots.colour || price || slots.inStock || slots.brand || slots.excludeBrand)
  )
    intent = 'refine';
  else if (greeting && !slots.category && !content) intent = 'greeting';
  else if (
    !slots.category &&
    !productWord &&
    questionShaped &&
    (/它|这个|那个|这款|那款/.test(normal) || (content && /吗[?？]?\s*$/.test(normal)))
  ) {
    intent = 'question';
    slots.references = [{ kind: 'focus' }];
    const q = questionTextZh(normal);
    if (q) slots.question = q;
  } else intent = 'search';
  if (intent === 'search' && !slots.query && !slots.category && !slots.brand) slots.query = normal;
  if (intent === 'search' && namesNothingKnown(slots)) slots.unrecognised = true;
  return { lang: 'zh', intent, slots: withoutStrayQuery(intent, slots) };
}

/** A search turn that names no kind of product and no brand: what a new search would replace the old one with. */
function namesNothingKnown(slots: Slots): boolean {
  return !slots.category && !slots.brand && !slots.references?.length;
}

function outOfScopeZh(t: Text): OutOfScopeTopic | undefined {
  if (t.has(/订单|物流|快递|包裹|取消订单|单号/)) return 'order-status';
  if (t.has(/退货|退款|换货|退回|退钱|(想|要)退/)) return 'returns';
  if (t.has(/付款|支付|信用卡|发票|分期|扣款|支付宝|微信支付|结账/)) return 'payment';
  if (t.has(/运费|配送|发货|多久到|送货|邮费/)) return 'delivery';
  if (t.has(/账户|账号|密码|登录|注册/)) return 'account';
  if (t.has(/礼品包装|包装成礼物|礼物包装|贺卡|刻字服务|到店自提|门店自提/)) return 'other';
  return undefined;
}

function sortZh(t: Text): SortOrder | undefined {
  if (t.take(/(按)?价格(从)?高到低(排序|排列)?|按价格降序(排序|排列)?|最贵的(在)?(前面|先)|从贵到便宜/))
    return 'price-desc';
  if (
    t.take(
      /按价格(从低到高)?(排序|排列|排)|价格(从)?低到高(排序|排列)?|按价格升序(排序|排列)?|最便宜的(在)?(前面|先)|从便宜到贵/,
    )
  )
    return 'price-asc';
  if (t.take(/按(相关性|相关度)(排序|排列)/)) return 'relevance';
  return undefined;
}

function referencesZh(t: Text): ProductReference[] {
  const refs: ProductReference[] = [];
  const among = t.take(
    new RegExp(
      `(?:(这|那)?([两二三四五\\d])${ZH_MEASURE}(?:中|里|之中|当中)?(?:的)?)?(?:哪个|哪一个)?(更|比较|最)?(便宜|贵)(?:一点|一些)?(?:的)?(?:那)?${ZH_MEASURE}?`,
    ),
  );
  if (among?.[4]) {
    const count = among[2] ? zhNumber(among[2]) : undefined;
    const pointed =
      count !== undefined || /哪/.test(among[0]) || among[3] === '最' || /那/.test(among[0].slice(1));
    if (pointed)
      refs.push({ kind: among[4] === '便宜' ? 'cheapest' : 'priciest', ...(count ? { among: count } : {}) });
    else t.rest = `${t.rest}${among[0]}`; // "便宜一点的" is a price refinement: put it back
  }
  const range = t.take(new RegExp(`(前|后)([两二三四五\\d])${ZH_MEASURE}`));
  if (range?.[1] && range[2]) {
    const n = zhNumber(range[2]) ?? 2;
    for (let i = 0; i < n; i++) refs.push({ kind: 'ordinal', index: range[1] === '后' ? -(n - i) : i });
  }
  for (;;) {
    const m = t.take(new RegExp(`第\\s*([一二三四五六七八九十]|\\d{1,2})\\s*${ZH_MEASURE}?`));
    if (!m?.[1]) break;
    const n = zhNumber(m[1]);
    if (n) refs.push({ kind: 'ordinal', index: n - 1 });
  }
  if (t.take(new RegExp(`最后(一)?${ZH_MEASURE}`))) refs.push({ kind: 'ordinal', index: -1 });
  if (refs.length === 0 && t.take(new RegExp(`它|(这|那)(一)?${ZH_MEASURE}`))) refs.push({ kind: 'focus' });
  return refs;
}

function priceZh(t: Text): PriceSlot | undefined {
  const cur = '(欧元|欧|美元|美金|英镑|人民币|块钱|块|元)?';
  const range = t.take(
    new RegExp(
      `(\\d+(?:\\.\\d{1,2})?)\\s*${cur}\\s*(?:到|至|-|~)\\s*(\\d+(?:\\.\\d{1,2})?)\\s*${cur}(?:之间)?`,
    ),
  );
  if (range)
    return withCurrency({ min: amount(range[1]), max: amount(range[3]) }, zhCurrency(range[4] ?? range[2]));
  const maxAfter = t.take(
    new RegExp(`(\\d+(?:\\.\\d{1,2})?)\\s*${cur}\\s*(以下|以内|之内|内|以下的|以内的)`),
  );
  if (maxAfter) return withCurrency({ max: amount(maxAfter[1]) }, zhCurrency(maxAfter[2]));
  const maxBefore = t.take(
    new RegExp(`(低于|少于|不超过|不到|最多|便宜于|小于)\\s*(\\d+(?:\\.\\d{1,2})?)\\s*${cur}`),
  );
  if (maxBefore) return withCurrency({ max: amount(maxBefore[2]) }, zhCurrency(maxBefore[3]));
  const minAfter = t.take(new RegExp(`(\\d+(?:\\.\\d{1,2})?)\\s*${cur}\\s*(以上|起)`));
  if (minAfter) return withCurrency({ min: amount(minAfter[1]) }, zhCurrency(minAfter[2]));
  const minBefore = t.take(new RegExp(`(高于|超过|多于|至少|大于)\\s*(\\d+(?:\\.\\d{1,2})?)\\s*${cur}`));
  if (minBefore) return withCurrency({ min: amount(minBefore[2]) }, zhCurrency(minBefore[3]));
  if (t.take(/(更|再)?便宜(一)?(点|些|的)?|实惠(一)?(点|些)?|价格低(一)?(点|些)/))
    return { relative: 'cheaper' };
  if (t.take(/(更|再)?贵(一)?(点|些)|高档(一)?(点|些)?|高端(一)?(点|些)?/)) return { relative: 'pricier' };
  return undefined;
}

function questionTextZh(normal: string): string | undefined {
  const q = normal
    .replace(new RegExp(`(前|后)([两二三四五\\d])${ZH_MEASURE}`), '它们')
    .replace(
      new RegExp(
        `(?:(这|那)?([两二三四五\\d])${ZH_MEASURE}(?:中|里|之中|当中)?(?:的)?)?(?:哪个|哪一个)?(更|比较|最)?(便宜|贵)(?:一点|一些)?的(?:那)?${ZH_MEASURE}?`,
      ),
      '它',
    )
    .replace(new RegExp(`第\\s*([一二三四五六七八九十]|\\d{1,2})\\s*${ZH_MEASURE}?`, 'g'), '它')
    .replace(new RegExp(`最后(一)?${ZH_MEASURE}`), '它')
    .replace(new RegExp(`(这|那)(一)?${ZH_MEASURE}`, 'g'), '它')
    .trim();
  const bare = q
    .replace(/[?？!！.。,，]|它们|它|的|呢|吧|详细|介绍|一下|说说|看看|讲讲|信息|怎么样|和|跟/g, '')
    .trim();
  return bare.length === 0 ? undefined : q;
}

// ---------------------------------------------------------------------------------------------------------------

/** Search words matter only to turns that search; elsewhere they are the words of the request itself. */
function withoutStrayQuery(intent: Intent, slots: Mutable<Slots>): Slots {
  if (intent !== 'search' && intent !== 'refine' && intent !== 'similar') delete slots.query;
  // A product word in a question or a complaint ("the jacket I bought", "my printer") is no search constraint.
  if (intent === 'question' || intent === 'out-of-scope' || intent === 'greeting' || intent === 'help') {
    delete slots.category;
    delete slots.colour;
    delete slots.brand;
  }
  return slots;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function amount(s: string | undefined): number {
  return Number((s ?? '0').replace(',', '.'));
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function currencyOf(before: string | undefined, after: string | undefined): string | undefined {
  const word = before ?? after;
  return word ? CURRENCY_WORDS[word] : undefined;
}

function zhCurrency(word: string | undefined): string | undefined {
  return word ? CURRENCY_WORDS[word] : undefined;
}

function withCurrency(price: { min?: number; max?: number }, currency: string | undefined): PriceSlot {
  return { ...price, ...(currency ? { currency } : {}) };
}
