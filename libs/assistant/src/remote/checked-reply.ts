import { COLOURS_EN } from '../nlu/lexicon';

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
    .split(/(?<=[.!?。！？])\s+|\n+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const kept: string[] = [];
  for (const sentence of sentences) {
    if (supported(sentence, corpus, numbers, facts)) kept.push(sentence);
  }
  return { text: kept.join(' ').trim(), dropped: sentences.length - kept.length };
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
    if (new RegExp(`(^|[^\\p{L}])${escape(b)}($|[^\\p{L}])`, 'u').test(s) && !corpus.includes(b))
      return false;
  }
  for (const word of [...CLAIM_WORDS, ...COLOURS_EN]) {
    if (new RegExp(`(^|[^\\p{L}])${escape(word)}($|[^\\p{L}])`, 'u').test(s) && !corpus.includes(word))
      return false;
  }
  // Names: runs of two or more capitalised words (after the first word of the sentence) must be in the facts.
  const words = sentence.normalize('NFKC').replace(/[’‘`]/g, "'").split(/\s+/);
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

function canonicalNumber(n: string): string {
  const v = Number(n.replace(',', '.'));
  return Number.isFinite(v) ? String(Math.round(v * 100) / 100) : n;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
