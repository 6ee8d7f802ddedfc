import { describeJsonError, JsonFileError, locateJsonError, parseJsonFile } from './json-syntax';

describe('locateJsonError', () => {
  it.each([
    '{}',
    '[]',
    ' {"a": [1, -2.5e3, true, false, null, "x\\u00e9\\n"], "b": {}} ',
    '"just a string"',
    '0',
    '[[[[[[[[[[]]]]]]]]]]',
  ])('finds nothing wrong in %s (JSON.parse agrees)', (text) => {
    expect(() => JSON.parse(text) as unknown).not.toThrow();
    expect(locateJsonError(text)).toBeUndefined();
  });

  it.each([
    ['a file cut in a value', '{\n  "collections": {\n    "a": {"dim": 51', 3, 20],
    ['a file cut after a comma', '{\n  "a": 1,\n', 3, 1],
    ['a file cut in a string', '{"a": "abc', 1, 11],
    ['a file cut in a literal', '[tru', 1, 5],
    ['an empty file', '', 1, 1],
    ['a trailing comma', '{"a": 1,\n}', 2, 1],
    ['a missing colon', '{"a" 1}', 1, 6],
    ['a single-quoted string', "{'a': 1}", 1, 2],
    ['a leading zero', '[01]', 1, 3],
    ['a bad escape', '"a\\x"', 1, 4],
    ['a short unicode escape', '"\\u12g4"', 1, 6],
    ['a raw newline in a string', '"a\nb"', 1, 3],
    ['text after the value', '{} {}', 1, 4],
    ['a mismatched bracket', '[1}', 1, 3],
    ['a byte order mark', '\uFEFF{}', 1, 1],
  ])('locates %s', (_name, text, line, column) => {
    expect(() => JSON.parse(text) as unknown).toThrow();
    expect(locateJsonError(text)).toMatchObject({ line, column });
  });

  it('handles deep nesting without recursion', () => {
    const deep = '['.repeat(100_000);
    expect(locateJsonError(deep)).toMatchObject({ offset: 100_000 });
  });
});

describe('parseJsonFile', () => {
  it('parses valid text', () => {
    expect(parseJsonFile('{"a": [1]}', 'x.json')).toEqual({ a: [1] });
  });

  it('names the file, the line and the column of a truncated file', () => {
    const text = JSON.stringify({ collections: { products: { dim: 512 } }, aliases: {} }, null, 2);
    const cut = text.slice(0, text.indexOf('512') + 2);
    const e = (() => {
      try {
        parseJsonFile(cut, '/data/vectors/catalog.json');
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(JsonFileError);
    // The value "51" ends at column 15 of `      "dim": 51`; the file ends right after it.
    expect((e as Error).message).toMatch(
      /^\/data\/vectors\/catalog\.json: not valid JSON at line 4, column 16 \(.+\)$/,
    );
    expect(e).toMatchObject({ file: '/data/vectors/catalog.json', location: { line: 4, column: 16 } });
  });

  it('describes an error by line and column', () => {
    const text = '{\n  "a": 1,\n  "b": oops\n}';
    let error: unknown;
    try {
      JSON.parse(text);
    } catch (e) {
      error = e;
    }
    expect(describeJsonError(text, error)).toMatch(/^line 3, column 8: /);
  });
});
