import { ValidationError } from '@vitrine/core';
import { INPUT_LIMITS, screenInput } from './validation';

function problemOf(value: unknown, root?: string): ValidationError {
  try {
    screenInput(value, root);
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('expected a ValidationError');
}

describe('screenInput', () => {
  it('accepts ordinary text, including tabs and line breaks in free text', () => {
    expect(() =>
      screenInput({ query: 'red mug', description: 'Line one\nline two\r\n\tindented', tags: ['a', 'b'] }),
    ).not.toThrow();
  });

  it.each([
    ['NUL', '\u0000'],
    ['BEL', '\u0007'],
    ['ESC (terminal escapes)', '\u001b[31m'],
    ['DEL', '\u007f'],
    ['C1 NEL', '\u0085'],
  ])('refuses %s in a string and names the field', (_name, char) => {
    const e = problemOf({ filters: { brand: ['Acme', `Ac${char}me`] } });
    expect(e.message).toMatch(
      /^filters\.brand\[1\] must not contain control characters \(U\+00[0-9A-F]{2} at position 2\)/,
    );
    expect(e.details).toEqual({
      fields: [{ field: 'filters.brand[1]', problems: [expect.stringContaining('control characters')] }],
    });
  });

  it('refuses control characters in keys, and names a path parameter by its name', () => {
    expect(problemOf({ attributes: { 'co\u0000lour': 'red' } }).message).toMatch(
      /^attributes: key "co\\u0000lour" must not contain control characters/,
    );
    expect(problemOf('abc\u0000', 'id').message).toMatch(/^id must not contain control characters/);
  });

  it('refuses nesting deeper than the limit before any recursion', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(problemOf({ filters: deep }).message).toMatch(
      new RegExp(`nests objects or arrays deeper than ${INPUT_LIMITS.maxDepth} levels`),
    );
    let ok: unknown = 1;
    for (let i = 0; i < INPUT_LIMITS.maxDepth - 1; i++) ok = { a: ok };
    expect(() => screenInput(ok)).not.toThrow();
  });

  it('refuses more keys and items than the limit in all, counting every level', () => {
    const many = Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`k${i}`, 1]));
    expect(problemOf(many).message).toMatch(/holds more than 1000 fields and list items/);
    const spread = { a: Array.from({ length: 600 }, () => 1), b: Array.from({ length: 600 }, () => 1) };
    expect(problemOf(spread).message).toMatch(/more than 1000/);
  });

  it('lists the first few problems and counts the rest', () => {
    const e = problemOf(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, 'x\u0000'])));
    const fields = (e.details as { fields: unknown[]; more: number }).fields;
    expect(fields).toHaveLength(INPUT_LIMITS.maxProblems);
    expect(e.details).toMatchObject({ more: 50 - INPUT_LIMITS.maxProblems });
    expect(e.message).toMatch(/; and 40 more problems$/);
  });
});
