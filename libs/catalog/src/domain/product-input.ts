import { identifierProblem } from './identifier';
import { CATALOG_LIMITS as L } from './limits';
import { normalizeLocale } from './locale';
import { isKnownCurrency, parseAmount } from './money';
import type { ProductInput } from './product';

/**
 * What is wrong with a product a caller wants to store (empty when nothing): the same limits the import enforces,
 * checked again at the repository so a direct caller gets a ValidationError instead of a database error.
 */
export function productInputProblems(p: ProductInput): string[] {
  const problems: string[] = [];
  const text = (name: string, value: string | null, max: number, required: boolean): void => {
    if (value === null || value === '') {
      if (required) problems.push(`${name} is required`);
    } else if (value.length > max) problems.push(`${name} is longer than ${max} characters`);
  };
  text('sku', p.sku, L.skuChars, true);
  text('title', p.title, L.titleChars, true);
  text('description', p.description, L.descriptionChars, false);
  text('brand', p.brand, L.brandChars, false);
  text('category', p.category, L.categoryChars, false);
  // Direct callers skip the import's schema: lone surrogates would still merge SKUs in the database.
  for (const [name, value] of [
    ['sku', p.sku],
    ['brand', p.brand],
    ['category', p.category],
  ] as const) {
    const problem = value ? identifierProblem(value) : undefined;
    if (problem) problems.push(`${name} ${problem}`);
  }
  if (p.price) {
    const amount = parseAmount(p.price.amount);
    if (!amount.ok) problems.push(`price amount ${amount.reason}`);
    if (!isKnownCurrency(p.price.currency)) problems.push(`currency ${p.price.currency} is not ISO 4217`);
  }
  if (p.images.length > L.images) problems.push(`more than ${L.images} images`);
  if (p.images.some((uri) => uri.length === 0 || uri.length > L.imageRefChars)) {
    problems.push(`an image URI is empty or longer than ${L.imageRefChars} characters`);
  }
  if (new Set(p.images).size !== p.images.length) problems.push('an image URI is repeated');
  const locales = Object.entries(p.translations ?? {});
  if (locales.length > L.translations) problems.push(`more than ${L.translations} translations`);
  for (const [tag, t] of locales) {
    // Stored keys are canonical tags, so a request's locale finds them by plain comparison.
    if (normalizeLocale(tag) !== tag)
      problems.push(`translation locale "${tag.slice(0, 40)}" is not a canonical BCP 47 tag`);
    text(`${tag} title`, t.title, L.titleChars, true);
    text(`${tag} description`, t.description, L.descriptionChars, false);
  }
  return problems;
}
