/** numeric(19,4): at most 15 integer digits and 4 decimals, stored exactly. */
export const MAX_INTEGER_DIGITS = 15;
export const MAX_FRACTION_DIGITS = 4;

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

let currencies: ReadonlySet<string> | undefined;

/** Whether `code` is an ISO 4217 currency code this runtime knows (`Intl.supportedValuesOf('currency')`). */
export function isKnownCurrency(code: string): boolean {
  currencies ??= new Set(Intl.supportedValuesOf('currency'));
  return currencies.has(code);
}

/**
 * Parses a non-negative decimal amount given as a JSON number or string into its canonical string
 * (`"019.900"` → `"19.9"`), or returns a reason it is not acceptable. JSON numbers go through their shortest
 * round-trip form, so `19.99` stays `"19.99"`; exponents (`1e21`) are refused rather than guessed.
 */
export function parseAmount(
  value: number | string,
): { ok: true; amount: string } | { ok: false; reason: string } {
  const text = typeof value === 'number' ? String(value) : value.trim();
  if (text.startsWith('-')) return { ok: false, reason: 'must not be negative' };
  const m = DECIMAL.exec(text);
  if (!m) return { ok: false, reason: `"${text.slice(0, 40)}" is not a plain decimal number` };
  const integer = m[1]!.replace(/^0+(?=\d)/, '');
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (integer.length > MAX_INTEGER_DIGITS) {
    return { ok: false, reason: `must be below 10^${MAX_INTEGER_DIGITS}` };
  }
  if (fraction.length > MAX_FRACTION_DIGITS) {
    return { ok: false, reason: `has more than ${MAX_FRACTION_DIGITS} decimal places` };
  }
  return { ok: true, amount: fraction ? `${integer}.${fraction}` : integer };
}

/** Canonical form of a numeric read back from PostgreSQL (`"19.9000"` → `"19.9"`). */
export function canonicalAmount(stored: string): string {
  const result = parseAmount(stored);
  if (!result.ok) throw new Error(`unexpected stored amount ${stored}`);
  return result.amount;
}
