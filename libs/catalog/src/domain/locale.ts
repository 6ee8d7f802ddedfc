import { ValidationError } from '@vitrine/core';

/** Longest BCP 47 tag accepted (RFC 5646 recommends supporting at least 35 characters). */
export const MAX_LOCALE_CHARS = 35;

/**
 * The canonical form of a BCP 47 language tag (`zh-hans` → `zh-Hans`, `EN-gb` → `en-GB`), or undefined when `tag` is
 * not one. Canonicalisation is the platform's (`Intl.getCanonicalLocales`), so stored and requested tags compare
 * as plain strings.
 */
export function normalizeLocale(tag: string): string | undefined {
  const t = tag.trim();
  if (t === '' || t.length > MAX_LOCALE_CHARS || !/^[A-Za-z0-9-]+$/.test(t)) return undefined;
  try {
    return Intl.getCanonicalLocales(t)[0];
  } catch {
    return undefined;
  }
}

/** What is wrong with `tag` as a locale, for an error message that names it; undefined when it is a valid tag. */
export function localeProblem(tag: string): string | undefined {
  return normalizeLocale(tag) === undefined
    ? `"${tag.slice(0, 40)}" is not a BCP 47 language tag (e.g. zh, zh-Hans, ja, en-GB)`
    : undefined;
}

/**
 * A request's `locale` in canonical form (undefined: none asked, the catalog's own text), or a `VALIDATION_FAILED`
 * naming the bad tag — one check for search, browse and the product page.
 */
export function requestedLocale(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const locale = typeof raw === 'string' ? normalizeLocale(raw) : undefined;
  if (locale === undefined)
    throw new ValidationError(`locale ${localeProblem(String(raw))}`, { field: 'locale' });
  return locale;
}

/**
 * Which of `available` (canonical tags) serves a request for `wanted` (canonical), or undefined: the tag itself,
 * then its shorter forms (`zh-Hans-CN` → `zh-Hans` → `zh`, RFC 4647 lookup), then a more specific tag of the same
 * language (`zh` is served by `zh-Hans`, the first such in sorted order).
 */
export function pickLocale(wanted: string, available: readonly string[]): string | undefined {
  if (available.length === 0) return undefined;
  const set = new Set(available);
  const subtags = wanted.split('-');
  for (let n = subtags.length; n > 0; n--) {
    const candidate = subtags.slice(0, n).join('-');
    if (set.has(candidate)) return candidate;
  }
  return [...available].sort().find((t) => t.startsWith(`${wanted}-`));
}
