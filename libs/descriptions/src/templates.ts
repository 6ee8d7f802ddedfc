import type { DescriptionStyle } from './description-style';
import { withArticle } from '@vitrine/attributes';
import { factValue, type Fact } from './fact-sheet';

/** Id of the template generator, stored as a draft's `generator`. */
export const TEMPLATE_GENERATOR = 'template@1';
/** Longest SEO description (what search result snippets show). */
export const SEO_MAX_CHARS = 160;

const CORE_KEYS = new Set(['title', 'brand', 'category', 'colour', 'material', 'pattern', 'style']);

/**
 * A description in `style` composed only from `facts`, deterministically: the same facts give the same text.
 * Every sentence states one of the facts; nothing is added for fluency that a fact does not support.
 */
export function composeDescription(style: DescriptionStyle, facts: readonly Fact[]): string {
  const f = (k: string) => factValue(facts, k);
  const title = f('title')!;
  const brand = f('brand');
  const category = f('category');
  const colour = f('colour');
  const material = f('material');
  const pattern = f('pattern');
  const styleFact = f('style');
  // Price and availability are never in the facts (volatile: the page shows them live); ignored if given.
  const extra = facts.filter((x) => !CORE_KEYS.has(x.key) && !VOLATILE_KEYS.has(x.key));
  const looks = [colour, pattern ? `with ${withArticle(pattern)} pattern` : undefined]
    .filter(Boolean)
    .join(', ');

  switch (style) {
    case 'short': {
      const parts = [title + (brand ? ` by ${brand}` : '')];
      if (colour) parts.push(`in ${colour}`);
      if (material) parts.push(`made of ${material}`);
      return `${parts.join(', ')}.`;
    }
    case 'detailed': {
      const sentences = [
        `${title}${brand ? ` from ${brand}` : ''}${category ? `, part of our ${category} range` : ''}.`,
      ];
      const what = [looks ? `It is ${looks}` : undefined, material ? `made of ${material}` : undefined]
        .filter(Boolean)
        .join(' and ');
      if (what) sentences.push(`${what[0]!.toUpperCase()}${what.slice(1)}.`.replace(/^Made/, 'It is made'));
      if (styleFact) sentences.push(`Its style is ${styleFact}.`);
      for (const x of extra) sentences.push(`${label(x.key)}: ${x.value}.`);
      return sentences.join(' ');
    }
    case 'bullets': {
      const lines: string[] = [`- ${title}`];
      if (brand) lines.push(`- Brand: ${brand}`);
      if (category) lines.push(`- Category: ${category}`);
      if (colour) lines.push(`- Colour: ${colour}`);
      if (material) lines.push(`- Material: ${material}`);
      if (pattern) lines.push(`- Pattern: ${pattern}`);
      if (styleFact) lines.push(`- Style: ${styleFact}`);
      for (const x of extra) lines.push(`- ${label(x.key)}: ${x.value}`);
      return lines.join('\n');
    }
    case 'seo': {
      const head = `${title}${brand ? ` by ${brand}` : ''}`;
      const what = [colour, material, category].filter(Boolean).join(' ');
      const segments = [head, what ? `${what[0]!.toUpperCase()}${what.slice(1)}` : undefined];
      // Drop the description segment whole rather than cut it mid-word.
      for (const drop of [[], [1]]) {
        const text = `${segments.filter((x, i) => x && !drop.includes(i)).join('. ')}.`;
        if (text.length <= SEO_MAX_CHARS) return text;
      }
      return truncateWords(`${head}.`, SEO_MAX_CHARS);
    }
  }
}

/** Keys a description never states, even when a caller's facts carry them. */
const VOLATILE_KEYS = new Set(['price', 'availability', 'stock', 'inStock']);

/** `capacityMl` → `Capacity ml`, `weight` → `Weight`. */
function label(key: string): string {
  const words = key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
  return `${words[0]!.toUpperCase()}${words.slice(1)}`;
}

/** At most `max` characters, cut at a word boundary and ended with a full stop. */
export function truncateWords(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const at = cut.lastIndexOf(' ');
  return `${(at > 0 ? cut.slice(0, at) : cut).replace(/[\s.,;:–-]+$/, '')}.`;
}
