import type { ProductInput } from '../domain/product';
import { COLOUR_WORDS_ZH } from '../text/colour-words';
import { TextSegmenter } from '../text/text-segmenter';

/** One segmenter for every write: jieba's dictionary loads once per process, on the first product that needs it. */
const segmenter = new TextSegmenter();

/**
 * The `search_segments` document of a product as a tsvector literal: every translation's title (weight A) and
 * description (C); the CJK parts of its own title (A), brand and category (B) and description (C), which the
 * `english` vector reads as one word per run; and, for a product with any CJK text, the Chinese word of its colour
 * attribute (B), so "红色的鞋" finds the red shoe whose Chinese title names no colour. Empty for a product with neither translations nor CJK text.
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
