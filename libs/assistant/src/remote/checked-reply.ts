import { COLOURS_EN, COLOURS_ZH } from '@vitrine/nlu';

/**
 * What a remote model may say in a reply: the facts of the tool results of the turn (products as the catalog has
 * them, the constraints in force). A claim not found here is dropped.
 */
export interface ReplyFacts {
  readonly products: readonly {
    readonly title: string;
    readonly brand: string | null;
    readonly category: string | null;
    /** "EUR 41.99" */
    readonly price: string | null;
    readonly inStock: boolean;
    readonly attributes: Readonly<Record<string, string>>;
    readonly description: string | null;
  }[];
  /** The constraints in force, in words. */
  readonly constraints: string;
  /** Brands of the catalog: one named in a reply must be a product's brand in the facts. */
  readonly catalogBrands: readonly string[];
}

/** Words that state a product property nobody can see in a card: allowed only where the facts say them. */
const CLAIM_WORDS = [
  'waterproof',
  'water-resistant',
  'water resistant',
  'vegan',
  'organic',
  'gluten',
  'nut',
  'nuts',
  'allergen',
  'allergy',
  'warranty',
  'guarantee',
  'certified',
  'certification',
  'eco',
  'sustainable',
  'recycled',
  'handmade',
  'hand-made',
  'durable',
  'lightweight',
  'breathable',
  'dishwasher',
  'machine washable',
  'safe',
  'non-toxic',
  'bpa',
  'cotton',
  'leather',
  'wool',
  'silk',
  'steel',
  'wood',
  'wooden',
  'plastic',
  'glass',
  'ceramic',
  'metal',
  'gold',
  'silver',
  'canvas',
  'suede',
  'mesh',
  'synthetic',
  'linen',
  'bamboo',
  'discount',
  'sale',
  'free shipping',
  'ship',
  'ships',
  'shipped',
  'shipping',
  'delivery',
  'returns',
  'refund',
  'bestseller',
  'best-seller',
  'popular',
  'rated',
  'reviews',
  'award',
] as const;

/**
 * The same claims in Chinese (a Chinese reply about an English catalog): each is supported only where the facts
 * hold the word itself or one of its English equivalents.
 */
const CLAIM_WORDS_ZH: Readonly<Record<string, readonly string[]>> = {
  防水: ['waterproof', 'water-resistant', 'water resistant'],
  防泼水: ['water-resistant', 'water resistant', 'waterproof'],
  素食: ['vegan'],
  纯素: ['vegan'],
  有机: ['organic'],
  麸质: ['gluten'],
  坚果: ['nut', 'nuts'],
  过敏: ['allergen', 'allergy'],
  保修: ['warranty'],
  质保: ['warranty', 'guarantee'],
  保证: ['guarantee', 'warranty'],
  认证: ['certified', 'certification'],
  环保: ['eco', 'sustainable'],
  可持续: ['sustainable'],
  回收: ['recycled'],
  手工: ['handmade', 'hand-made'],
  耐用: ['durable'],
  轻便: ['lightweight'],
  轻量: ['lightweight'],
  透气: ['breathable'],
  洗碗机: ['dishwasher'],
  机洗: ['machine washable'],
  安全: ['safe'],
  无毒: ['non-toxic'],
  棉: ['cotton'],
  皮革: ['leather'],
  真皮: ['leather'],
  皮质: ['leather'],
  羊毛: ['wool'],
  丝绸: ['silk'],
  真丝: ['silk'],
  钢: ['steel'],
  木: ['wood', 'wooden'],
  塑料: ['plastic'],
  玻璃: ['glass'],
  陶瓷: ['ceramic'],
  金属: ['metal'],
  帆布: ['canvas'],
  麂皮: ['suede'],
  网面: ['mesh'],
  合成: ['synthetic'],
  亚麻: ['linen'],
  竹制: ['bamboo'],
  折扣: ['discount'],
  打折: ['discount', 'sale'],
  促销: ['sale'],
  特价: ['sale', 'discount'],
  包邮: ['free shipping'],
  免运费: ['free shipping'],
  运费: ['shipping'],
  配送: ['delivery'],
  送货: ['delivery'],
  发货: ['shipping', 'ships'],
  退货: ['returns'],
  退款: ['refund'],
  畅销: ['bestseller', 'best-seller', 'popular'],
  热销: ['bestseller', 'best-seller', 'popular'],
  好评: ['reviews', 'rated'],
  评分: ['rated', 'reviews'],
  获奖: ['award'],
};

/** Chinese colour names of two characters or more (a single 白 is also in 明白, "understood"). */
const COLOURS_ZH_WORDS = Object.entries(COLOURS_ZH).filter(([word]) => word.length >= 2);

/** Capitalised words that start sentences without naming anything. */
const SENTENCE_WORDS = new Set(
  'the a an this that these those our your my both its it here there we i you and or but if with for'.split(
    ' ',
  ),
);

const norm = (s: string) => s.normalize('NFKC').replace(/[’‘`]/g, "'").toLowerCase();

/**
 * Drops every sentence of `reply` that says something the facts do not support: a number that is no price, bound
 * or listed value; a brand, colour or property word the facts do not contain; a capitalised name (two or more
 * capitalised words, e.g. an invented product) that is not in the facts. Returns the sentences kept and how many
 * were dropped; an empty text means nothing could be kept.
 */
export function checkReply(
  reply: string,
  facts: ReplyFacts,
): { readonly text: string; readonly dropped: number } {
  const corpus = norm(
    [
      facts.constraints,
      ...facts.products.flatMap((p) => [
        p.title,
        p.brand ?? '',
        p.category ?? '',
        p.price ?? '',
        ...Object.entries(p.attributes).map(([k, v]) => `${k} ${v}`),
        p.description ?? '',
      ]),
    ].join('\n'),
  );
  const numbers = new Set([...corpus.matchAll(/\d+(?:[.,]\d+)?/g)].map((m) => canonicalNumber(m[0])));
  for (let i = 1; i <= Math.max(10, facts.products.length); i++) numbers.add(String(i));
  const sentences = reply
    .replace(/\r/g, '')
    .split(/(?<=[.!?])\s+|(?<=[。！？])\s*|\n+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const kept: string[] = [];
  for (const sentence of sentences) {
    if (supported(sentence, corpus, numbers, facts)) kept.push(sentence);
  }
  // Chinese sentences follow each other without a space.
  const text = kept.reduce(
    (all, k) => (all === '' ? k : /[。！？]$/.test(all) ? all + k : `${all} ${k}`),
    '',
  );
  return { text: text.trim(), dropped: sentences.length - kept.length };
}

function supported(
  sentence: string,
  corpus: string,
  numbers: ReadonlySet<string>,
  facts: ReplyFacts,
): boolean {
  const s = norm(sentence);
  for (const m of s.matchAll(/\d+(?:[.,]\d+)?/g)) if (!numbers.has(canonicalNumber(m[0]))) return false;
  for (const brand of facts.catalogBrands) {
    const b = norm(brand);
    if (mentions(s, b) && !corpus.includes(b)) return false;
  }
  for (const word of [...CLAIM_WORDS, ...COLOURS_EN]) {
    if (mentions(s, word) && !corpus.includes(word)) return false;
  }
  for (const [word, english] of Object.entries(CLAIM_WORDS_ZH)) {
    if (s.includes(word) && !corpus.includes(word) && !english.some((e) => mentions(corpus, e))) return false;
  }
  for (const [word, colour] of COLOURS_ZH_WORDS) {
    if (s.includes(word) && !corpus.includes(word) && !mentions(corpus, colour)) return false;
  }
  // Names: runs of two or more capitalised words (after the first word of the sentence) must be in the facts.
  // Chinese text between Latin words breaks a name as a space would ("Kicklab的鞋" names Kicklab only).
  const words = sentence
    .normalize('NFKC')
    .replace(/[’‘`]/g, "'")
    .replace(/[\p{Script=Han}\u3000-\u303f\uff00-\uffef]+/gu, ' · ')
    .split(/\s+/);
  let run: string[] = [];
  const flush = (): boolean => {
    while (run.length > 0 && SENTENCE_WORDS.has(run[0]!.toLowerCase())) run.shift();
    const ok = run.length < 2 || corpus.includes(norm(run.join(' ')));
    run = [];
    return ok;
  };
  for (const [i, raw] of words.entries()) {
    const w = raw.replace(/^[^\p{L}\d]+|[^\p{L}\d']+$/gu, '');
    if (/^\p{Lu}/u.test(w) && (i > 0 || run.length > 0 || /^\p{Lu}/u.test(words[1] ?? ''))) run.push(w);
    else if (!flush()) return false;
  }
  return flush();
}

/** Whether `text` holds `word` as a word: not inside a longer Latin word (Chinese around it is a boundary). */
function mentions(text: string, word: string): boolean {
  return new RegExp(`(^|[^\\p{Script=Latin}])${escape(word)}($|[^\\p{Script=Latin}])`, 'u').test(text);
}

function canonicalNumber(n: string): string {
  const v = Number(n.replace(',', '.'));
  return Number.isFinite(v) ? String(Math.round(v * 100) / 100) : n;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
