import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { JsonFileError, parseJsonFile, ValidationError } from '@vitrine/core';
import { DEFAULT_NAMED_COLOURS } from '../colour/named-colours';

/** The attributes extracted zero-shot from a product picture. */
export const ATTRIBUTE_NAMES = ['category', 'colour', 'material', 'pattern', 'style'] as const;
export type AttributeName = (typeof ATTRIBUTE_NAMES)[number];

/**
 * The candidate values of one attribute and the prompt templates (`{}` stands for the value) whose text
 * embeddings are averaged into each value's embedding (a prompt ensemble).
 */
export interface Vocabulary {
  readonly attribute: AttributeName;
  readonly labels: readonly string[];
  readonly templates: readonly string[];
}

export type Vocabularies = { readonly [A in AttributeName]: Vocabulary };

const TEMPLATES: { readonly [A in AttributeName]: readonly string[] } = {
  category: ['{}', 'a photo of a {} product', 'a product from the {} department', 'something from {}'],
  colour: ['{}', 'a {} product', 'a photo of a {} object', 'something {}'],
  material: ['{}', 'made of {}', 'a product made of {}', 'a photo of something made of {}'],
  pattern: ['{}', 'a {} pattern', 'a product with a {} pattern'],
  style: ['{}', 'a {} style product', 'a photo of a {} product'],
};

/** Used for categories until the catalog has some of its own. */
const FALLBACK_CATEGORIES = [
  'clothing',
  'shoes',
  'bags',
  'accessories',
  'jewellery',
  'food',
  'drinks',
  'kitchen',
  'furniture',
  'home',
  'electronics',
  'toys',
  'sports',
  'tools',
  'books',
  'music',
  'garden',
  'health',
  'office',
];

/** Default vocabularies; categories normally come from the catalog (see `withCategories`). */
export const DEFAULT_VOCABULARIES: Vocabularies = {
  category: { attribute: 'category', labels: FALLBACK_CATEGORIES, templates: TEMPLATES.category },
  colour: {
    attribute: 'colour',
    labels: DEFAULT_NAMED_COLOURS.map((c) => c.name),
    templates: TEMPLATES.colour,
  },
  material: {
    attribute: 'material',
    labels: [
      'leather',
      'cotton',
      'wool',
      'denim',
      'linen',
      'silk',
      'polyester',
      'nylon',
      'wood',
      'bamboo',
      'metal',
      'steel',
      'aluminium',
      'gold',
      'silver',
      'plastic',
      'rubber',
      'glass',
      'ceramic',
      'porcelain',
      'paper',
      'cardboard',
      'stone',
      'fabric',
    ],
    templates: TEMPLATES.material,
  },
  pattern: {
    attribute: 'pattern',
    labels: ['plain', 'striped', 'checked', 'polka dot', 'floral', 'camouflage', 'animal print', 'geometric'],
    templates: TEMPLATES.pattern,
  },
  style: {
    attribute: 'style',
    labels: [
      'casual',
      'formal',
      'sporty',
      'vintage',
      'modern',
      'classic',
      'elegant',
      'minimalist',
      'playful',
    ],
    templates: TEMPLATES.style,
  },
};

const vocabularyOverride = z
  .object({
    labels: z.array(z.string().trim().min(1).max(200)).min(2).max(500).optional(),
    templates: z
      .array(z.string().includes('{}', { message: 'a template must contain {}' }))
      .min(1)
      .max(20)
      .optional(),
  })
  .strict();
const overrideFile = z
  .object(Object.fromEntries(ATTRIBUTE_NAMES.map((a) => [a, vocabularyOverride.optional()])))
  .strict();

/**
 * The default vocabularies with a JSON file's overrides applied: `{ "material": { "labels": [...] },
 * "category": { "templates": [...] } }`. Every key is optional; a bad file is a `ValidationError` naming the field.
 */
export function loadVocabularies(file: string | undefined): Vocabularies {
  if (!file) return DEFAULT_VOCABULARIES;
  let json: unknown;
  try {
    json = parseJsonFile(readFileSync(file, 'utf8'), file);
  } catch (e) {
    // "invalid vocabulary file <file>: not valid JSON at line 3, column 9 (...)"
    if (e instanceof JsonFileError) throw new ValidationError(`invalid vocabulary file ${e.message}`);
    throw new ValidationError(`cannot read the vocabulary file ${file}: ${(e as Error).message}`);
  }
  const parsed = overrideFile.safeParse(json);
  if (!parsed.success) {
    throw new ValidationError(
      `invalid vocabulary file ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const data = parsed.data as Partial<Record<AttributeName, z.infer<typeof vocabularyOverride>>>;
  const out = { ...DEFAULT_VOCABULARIES } as Record<AttributeName, Vocabulary>;
  for (const a of ATTRIBUTE_NAMES) {
    const o = data[a];
    if (o)
      out[a] = {
        attribute: a,
        labels: o.labels ?? out[a].labels,
        templates: o.templates ?? out[a].templates,
      };
  }
  return out;
}

/** `vocabularies` with the catalog's own category names (when it has at least two) as the category labels. */
export function withCategories(vocabularies: Vocabularies, categories: readonly string[]): Vocabularies {
  const distinct = [...new Set(categories.map((c) => c.trim()).filter(Boolean))].sort();
  if (distinct.length < 2) return vocabularies;
  return { ...vocabularies, category: { ...vocabularies.category, labels: distinct } };
}

/** The prompts of one label: each template with `{}` replaced. */
export function promptsFor(vocabulary: Vocabulary, label: string): string[] {
  return vocabulary.templates.map((t) => t.replaceAll('{}', label));
}
