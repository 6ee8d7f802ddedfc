import { canonicalAmount, isKnownCurrency, parseAmount } from './money';

describe('parseAmount', () => {
  it.each([
    ['19.99', '19.99'],
    [19.99, '19.99'],
    ['019.900', '19.9'],
    ['0', '0'],
    ['0.50', '0.5'],
    [5, '5'],
    ['999999999999999.9999', '999999999999999.9999'],
  ])('accepts %p as %p', (input, expected) => {
    expect(parseAmount(input)).toEqual({ ok: true, amount: expected });
  });

  it.each([
    ['-1', 'must not be negative'],
    [-0.01, 'must not be negative'],
    ['1e3', 'is not a plain decimal number'],
    ['', 'is not a plain decimal number'],
    ['12,50', 'is not a plain decimal number'],
    ['1.00001', 'more than 4 decimal places'],
    ['1000000000000000', 'must be below 10^15'],
  ])('refuses %p', (input, reason) => {
    const r = parseAmount(input);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain(reason);
  });

  it('reads PostgreSQL numeric(19,4) back canonically', () => {
    expect(canonicalAmount('19.9000')).toBe('19.9');
    expect(canonicalAmount('7.0000')).toBe('7');
  });
});

describe('isKnownCurrency', () => {
  it('knows ISO 4217 codes and nothing else', () => {
    expect(isKnownCurrency('EUR')).toBe(true);
    expect(isKnownCurrency('JPY')).toBe(true);
    expect(isKnownCurrency('XYZ')).toBe(false);
    expect(isKnownCurrency('eur')).toBe(false);
  });
});
