import { z } from 'zod';
import { locateJsonError } from '@vitrine/core';
import { identifierProblem, normalizeIdentifier } from '../domain/identifier';
import { CATALOG_LIMITS } from '../domain/limits';
import { localeProblem, normalizeLocale } from '../domain/locale';
import { isKnownCurrency, parseAmount } from '../domain/money';
import type { JsonValue, LocalizedText, Money, ProductInput, Translations } from '../domain/product';

/** A valid line before its image references are resolved against the file's folder. */
export interface CatalogLine {
  readonly sku: string;
  readonly title: string;
  readonly description: string | null;
  readonly brand: string | null;
  readonly category: string | null;
  readonly price: Money | null;
  readonly inStock: boolean;
  readonly attributes: Record<string, JsonValue>;
  readonly imageRefs: readonly string[];
  /** Title and description per locale (canonical BCP 47 tags); absent when the line has none. */
  readonly translations?: Translations;
}

/** The product a parsed line describes, with its image references already resolved to URIs. */
export function productInput(line: CatalogLine, images: readonly string[]): ProductInput {
  const { imageRefs: _refs, translations, ...fields } = line;
  return { ...fields, images, ...(translations ? { translations } : {}) };
}

const describeInput = (input: unknown): string =>
  input === undefined ? 'is required' : `must be a string, not ${input === null ? 'null' : typeof input}`;

const requiredText = (max: number) =>
  z
    .string({ error: (issue) => describeInput(issue.input) })
    .trim()
    .min(1, 'must not be empty')
    .max(max, { error: (issue) => `must be at most ${max} characters (got ${lengthOf(issue.input)})` });

const boundedText = (max: number) =>
  z
    .string({ error: (issue) => describeInput(issue.input) })
    .trim()
    .max(max, { error: (issue) => `must be at most ${max} characters (got ${lengthOf(issue.input)})` });

/** Absent, null or blank all mean "none". */
const optional = (text: z.ZodString) => text.nullish().transform((v) => (v ? v : null));

/** A value products are found or grouped by (SKU, brand, category): no bidi controls or lone surrogates, NFC. */
const identifier = (text: z.ZodString) =>
  text
    .superRefine((value, ctx) => {
      const problem = identifierProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .overwrite(normalizeIdentifier);

const lineSchema = z.strictObject(
  {
    sku: identifier(
      requiredText(CATALOG_LIMITS.skuChars).regex(/^[^\p{Cc}]*$/u, 'must not contain control characters'),
    ),
    title: requiredText(CATALOG_LIMITS.titleChars),
    description: optional(boundedText(CATALOG_LIMITS.descriptionChars)),
    brand: optional(identifier(boundedText(CATALOG_LIMITS.brandChars))),
    category: optional(identifier(boundedText(CATALOG_LIMITS.categoryChars))),
    price: z
      .strictObject(
        {
          amount: z.union([z.number(), z.string()], { error: 'must be a number or a decimal string' }),
          currency: z.string({ error: (issue) => describeInput(issue.input) }),
        },
        { error: 'must be an object {"amount", "currency"}' },
      )
      .nullish(),
    inStock: z.boolean({ error: 'must be true or false' }).optional(),
    attributes: z.record(z.string(), z.json(), { error: 'must be an object of JSON values' }).optional(),
    translations: z
      .record(
        z.string(),
        z.strictObject(
          {
            title: requiredText(CATALOG_LIMITS.titleChars),
            description: optional(boundedText(CATALOG_LIMITS.descriptionChars)),
          },
          { error: 'must be an object {"title", "description"}' },
        ),
        { error: 'must be an object of locale → {"title", "description"}' },
      )
      .optional(),
    images: z
      .array(
        z
          .string({ error: 'must be a string' })
          .trim()
          .min(1, 'must not be empty')
          .max(CATALOG_LIMITS.imageRefChars, `must be at most ${CATALOG_LIMITS.imageRefChars} characters`),
        {
          error: (issue) =>
            issue.input === undefined ? 'is required (may be empty: [])' : 'must be an array',
        },
      )
      .max(CATALOG_LIMITS.images, `at most ${CATALOG_LIMITS.images} images per product`),
  },
  { error: 'must be a JSON object' },
);

/**
 * Validates one line of a catalog JSONL file. Returns the normalised line (trimmed strings, blank optional
 * fields as null, canonical price, `inStock` defaulting to true) or every reason it is rejected, joined by "; ".
 */
export function parseCatalogLine(
  text: string,
): { ok: true; line: CatalogLine } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    // The import names the line; the column says where on it (Node's own message often gives no position).
    const at = locateJsonError(text);
    return {
      ok: false,
      reason: `malformed JSON: ${(e as Error).message}${at ? ` (at column ${at.column})` : ''}`,
    };
  }
  const parsed = lineSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, reason: parsed.error.issues.map(formatIssue).join('; ') };
  }
  const v = parsed.data;
  const problems: string[] = [];

  let price: Money | null = null;
  if (v.price) {
    const amount = parseAmount(v.price.amount);
    if (!amount.ok) problems.push(`price.amount: ${amount.reason}`);
    const currency = v.price.currency.trim().toUpperCase();
    if (!isKnownCurrency(currency)) {
      problems.push(`price.currency: "${v.price.currency.slice(0, 20)}" is not an ISO 4217 currency code`);
    }
    if (amount.ok) price = { amount: amount.amount, currency };
  }

  const attributes = (v.attributes ?? {}) as Record<string, JsonValue>;
  const attributesBytes = Buffer.byteLength(JSON.stringify(attributes), 'utf8');
  if (attributesBytes > CATALOG_LIMITS.attributesBytes) {
    problems.push(
      `attributes: must be at most ${CATALOG_LIMITS.attributesBytes / 1024} KB as JSON (got ${(attributesBytes / 1024).toFixed(1)} KB)`,
    );
  }
  // PostgreSQL text and jsonb cannot hold U+0000; one such row would otherwise fail its whole batch.
  if (JSON.stringify(v).includes('\\u0000')) problems.push('contains a NUL character (\\u0000)');

  const seen = new Map<string, number>();
  v.images.forEach((ref, i) => {
    const first = seen.get(ref);
    if (first !== undefined) problems.push(`images[${i}]: repeats images[${first}]`);
    else seen.set(ref, i);
  });

  const translations = normalizeTranslations(v.translations ?? {}, problems);

  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };
  return {
    ok: true,
    line: {
      sku: v.sku,
      title: v.title,
      description: v.description,
      brand: v.brand,
      category: v.category,
      price,
      inStock: v.inStock ?? true,
      attributes,
      imageRefs: v.images,
      ...(Object.keys(translations).length > 0 ? { translations } : {}),
    },
  };
}

/**
 * Translations keyed by canonical tags; a key that is no BCP 47 tag, or two keys naming the same locale
 * (`zh-hans` and `zh-Hans`), is a problem that names it.
 */
export function normalizeTranslations(
  raw: Readonly<Record<string, LocalizedText>>,
  problems: string[],
): Translations {
  const out: Record<string, LocalizedText> = {};
  const keys = Object.keys(raw);
  if (keys.length > CATALOG_LIMITS.translations)
    problems.push(
      `translations: at most ${CATALOG_LIMITS.translations} locales per product (got ${keys.length})`,
    );
  for (const key of keys) {
    const tag = normalizeLocale(key);
    if (tag === undefined) {
      problems.push(`translations: ${localeProblem(key)}`);
      continue;
    }
    if (out[tag] !== undefined) {
      problems.push(`translations: "${key}" names the locale ${tag} twice`);
      continue;
    }
    out[tag] = raw[key]!;
  }
  return out;
}

function formatIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field(s): ${issue.keys.join(', ')}`;
  const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  return where ? `${where.replace(/^\./, '')}: ${issue.message}` : issue.message;
}

function lengthOf(input: unknown): number {
  return typeof input === 'string' ? input.trim().length : 0;
}
