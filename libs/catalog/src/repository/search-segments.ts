import type { ProductInput } from '../domain/product';
import { TextSegmenter } from '../text/text-segmenter';

/** One segmenter for every write: jieba's dictionary loads once per process, on the first product that needs it. */
const segmenter = new TextSegmenter();

/**
 * Chinese colour words for a product's `color`/`colour` attribute (the demo catalog's palette), so "红色的鞋" finds the
 * red shoe whose Chinese title names no colour. A value outside the table adds nothing: no colour is guessed.
 */
const COLOUR_WORDS_ZH: Readonly<Record<string, string>> = {
  black: '黑色',
  grey: '灰色',
  gray: '灰色',
  silver: '银色',
  white: '白色',
  red: '红色',
  orange: '橙色',
  yellow: '黄色',
  green: '绿色',
  blue: '蓝色',
  purple: '紫色',
  pink: '粉色',
  brown: '棕色',
  beige: '米色',
  gold: '金色',
};

/**
 * The `search_segments` document of a product as a tsvector literal: every translation's title (weight A) and
 * description (C); the CJK parts of its own title (A), brand and category (B) and description (C), which the
 * `english` vector reads as one word per run; and, for a product with any CJK text, the Chinese word of its colour
 * attribute (B). Empty for a product with neither translations nor CJK text.
 */
export function searchSegments(
  p: Pick<ProductInput, 'title' | 'description' | 'brand' | 'category' | 'attributes' | 'translations'>,
): string {
  const texts: { text: string | null; weight: 'A' | 'B' | 'C' }[] = [];
  for (const t of Object.values(p.translations ?? {}))
    texts.push({ text: t.title, weight: 'A' }, { text: t.description, weight: 'C' });
  const cjk = (text: string | null): string | null =>
    text && TextSegmenter.hasCjk(text) ? TextSegmenter.cjkPart(text) : null;
  texts.push(
    { text: cjk(p.title), weight: 'A' },
    { text: cjk([p.brand, p.category].filter(Boolean).join(' ')), weight: 'B' },
    { text: cjk(p.description), weight: 'C' },
  );
  if (!texts.some((t) => t.text)) return '';
  const colour = p.attributes.color ?? p.attributes.colour;
  const word = typeof colour === 'string' ? COLOUR_WORDS_ZH[colour.trim().toLowerCase()] : undefined;
  if (word && texts.some((t) => t.text && TextSegmenter.hasCjk(t.text)))
    texts.push({ text: word, weight: 'B' });
  return segmenter.tsvector(texts);
}
