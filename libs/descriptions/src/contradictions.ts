import type { Product } from '@vitrine/catalog';
import { catalogAttribute, COLOUR_SYNONYMS, formatPrice, type ColourNamer } from '@vitrine/attributes';
import type { Fact } from './fact-sheet';

/** A statement in a text that the product's facts contradict (or do not support). */
export interface Contradiction {
  /** `contradiction`: the catalog says otherwise. `unsupported`: no fact says so (an invented claim). */
  readonly kind: 'contradiction' | 'unsupported';
  readonly field: 'colour' | 'material' | 'price' | 'availability' | 'brand' | 'size';
  /** What the text says. */
  readonly found: string;
  /** What the facts say, when they say something. */
  readonly expected?: string;
}

export interface ContradictionVocabulary {
  readonly colours: ColourNamer;
  /** Material words to look for (the material vocabulary and the catalog's materials). */
  readonly materials: readonly string[];
  /** Brands of the catalog: naming another product's brand is a contradiction. */
  readonly brands?: readonly string[];
}

const CURRENCY_SYMBOLS: Readonly<Record<string, string>> = { '€': 'EUR', $: 'USD', '£': 'GBP', '¥': 'JPY' };
const WORD_CHAR = /[\p{L}\p{N}]/u;
const isWordChar = (c: string | undefined) => c !== undefined && WORD_CHAR.test(c);

/** Start offsets of whole-word, case-insensitive occurrences of `w` in `text` (`lower` is `text` lower-cased). */
function occurrences(lower: string, w: string): number[] {
  const needle = w.toLowerCase();
  const out: number[] = [];
  if (needle === '') return out;
  for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, i + 1)) {
    if (!isWordChar(lower[i - 1]) && !isWordChar(lower[i + needle.length])) out.push(i);
  }
  return out;
}

/** Whether `text` contains `w` as a whole word, ignoring case. */
const hasWord = (text: string, w: string) => occurrences(text.toLowerCase(), w).length > 0;

/** `text` with every whole-word occurrence of `phrase` blanked out (lengths kept, so offsets stay valid). */
function mask(text: string, phrase: string): string {
  const lower = text.toLowerCase();
  // Lower-casing can change lengths outside ASCII (İ): offsets would no longer line up, so leave such text alone.
  if (lower.length !== text.length) return text;
  const at = occurrences(lower, phrase);
  if (at.length === 0) return text;
  const units = text.split('');
  for (const i of at) for (let j = i; j < i + phrase.length; j++) units[j] = ' ';
  return units.join('');
}

/**
 * Checks a generated text against a product: every colour, material, price, stock statement, size and brand it
 * mentions must agree with the catalog, or (for what the catalog does not say) with the facts the text was
 * generated from. Phrases that are themselves facts (the title, the brand, the materials the catalog names) are
 * masked first, so "Sterling Silver Ring" does not read as a silver colour claim. Used on every generated
 * description (a remote model's text that fails is discarded) and by the tests.
 */
export function findContradictions(
  text: string,
  product: Product,
  facts: readonly Fact[],
  vocabulary: ContradictionVocabulary,
): Contradiction[] {
  const out: Contradiction[] = [];
  const factOf = (key: string) => facts.find((f) => f.key === key)?.value;
  const supportedPhrases = [
    product.title,
    product.brand,
    product.category,
    product.description,
    ...facts.map((f) => f.value),
  ].filter((s): s is string => !!s && s.trim() !== '');
  // Longest first, so a phrase is masked whole before its parts.
  let masked = ` ${text} `;
  for (const phrase of [...new Set(supportedPhrases)].sort((a, b) => b.length - a.length)) {
    masked = mask(masked, phrase);
  }

  // Colours.
  const catalogColour = catalogAttribute(product, 'colour');
  const expectedColour = catalogColour ?? factOf('colour');
  const canonicalExpected = expectedColour
    ? (vocabulary.colours.canonical(expectedColour) ?? expectedColour)
    : undefined;
  const colourWords = [...vocabulary.colours.names, ...Object.keys(COLOUR_SYNONYMS)];
  for (const w of colourWords) {
    if (!hasWord(masked, w)) continue;
    const canonical = vocabulary.colours.canonical(w) ?? w;
    if (canonical === canonicalExpected) continue;
    out.push(
      catalogColour
        ? { kind: 'contradiction', field: 'colour', found: w, expected: catalogColour }
        : {
            kind: 'unsupported',
            field: 'colour',
            found: w,
            ...(expectedColour ? { expected: expectedColour } : {}),
          },
    );
  }

  // Materials.
  const catalogMaterial = catalogAttribute(product, 'material');
  const expectedMaterial = (catalogMaterial ?? factOf('material'))?.toLowerCase();
  for (const m of new Set(vocabulary.materials.map((x) => x.toLowerCase()))) {
    if (!hasWord(masked, m)) continue;
    if (expectedMaterial && (expectedMaterial === m || hasWord(expectedMaterial, m))) continue;
    out.push(
      catalogMaterial
        ? { kind: 'contradiction', field: 'material', found: m, expected: catalogMaterial }
        : { kind: 'unsupported', field: 'material', found: m },
    );
  }

  // Prices: every amount with a currency must be the catalog price.
  const expectedPrice = product.price ? formatPrice(product.price) : undefined;
  const priceRe =
    /(?:\b([A-Z]{3})\s?|([€$£¥])\s?)(\d+(?:[.,]\d{1,4})?)|(\d+(?:[.,]\d{1,4})?)\s?(?:([A-Z]{3})\b|([€$£¥]))/g;
  for (const m of text.matchAll(priceRe)) {
    const currency =
      m[1] ??
      (m[2] ? CURRENCY_SYMBOLS[m[2]] : undefined) ??
      m[5] ??
      (m[6] ? CURRENCY_SYMBOLS[m[6]] : undefined);
    const amount = Number((m[3] ?? m[4] ?? '').replace(',', '.'));
    if (!currency || !Number.isFinite(amount)) continue;
    const ok =
      product.price && product.price.currency === currency && Number(product.price.amount) === amount;
    if (!ok) {
      out.push(
        product.price
          ? { kind: 'contradiction', field: 'price', found: m[0].trim(), expected: expectedPrice! }
          : { kind: 'unsupported', field: 'price', found: m[0].trim() },
      );
    }
  }

  // Availability.
  const lower = text.toLowerCase();
  const saysOut = /\b(out of stock|sold out|unavailable|not available|not in stock)\b/.test(lower);
  const saysIn = /(?<!not |out of )\b(in stock|available now|ready to ship)\b/.test(
    lower.replace(/not in stock/g, ''),
  );
  if (product.inStock && saysOut)
    out.push({ kind: 'contradiction', field: 'availability', found: 'out of stock', expected: 'in stock' });
  if (!product.inStock && saysIn)
    out.push({ kind: 'contradiction', field: 'availability', found: 'in stock', expected: 'out of stock' });

  // Brands: another brand of the catalog named in the (masked) text.
  for (const b of vocabulary.brands ?? []) {
    if (product.brand && b.toLowerCase() === product.brand.toLowerCase()) continue;
    if (hasWord(masked, b)) {
      out.push({
        kind: 'contradiction',
        field: 'brand',
        found: b,
        ...(product.brand ? { expected: product.brand } : {}),
      });
    }
  }

  // Sizes: "size X" must be the catalog's size.
  const size = factOf('size');
  for (const m of masked.matchAll(/\bsize:?\s+([A-Z0-9]{1,4})\b/gi)) {
    if (!size || m[1]!.toLowerCase() !== size.toLowerCase()) {
      out.push(
        size
          ? { kind: 'contradiction', field: 'size', found: m[1]!, expected: size }
          : { kind: 'unsupported', field: 'size', found: m[1]! },
      );
    }
  }
  return out;
}
