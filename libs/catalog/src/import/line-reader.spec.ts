import { Readable } from 'node:stream';
import { readLines, type InputLine } from './line-reader';

async function lines(chunks: Array<string | Buffer>, max = 1024): Promise<InputLine[]> {
  const out: InputLine[] = [];
  const source = Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
  for await (const line of readLines(source, max)) out.push(line);
  return out;
}
const texts = (ls: InputLine[]) => ls.map((l) => ('text' in l ? l.text : l));

describe('readLines', () => {
  it('numbers lines, joins lines split across chunks, handles CRLF and a last line without newline', async () => {
    const result = await lines(['{"a":', '1}\r\n\n', 'x\ny', 'z']);
    expect(texts(result)).toEqual(['{"a":1}', '', 'x', 'yz']);
    expect(result.map((l) => l.number)).toEqual([1, 2, 3, 4]);
  });

  it('drops a BOM at the start of the file only', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const result = await lines([Buffer.concat([bom, Buffer.from('a\n'), bom, Buffer.from('b\n')])]);
    expect(texts(result)).toEqual(['a', '\uFEFFb']);
  });

  it('reports a line over the limit by size without keeping it, and goes on with the next', async () => {
    const big = 'x'.repeat(5000);
    const result = await lines(['ok\n', big.slice(0, 2000), big.slice(2000), '\nafter\n'], 1000);
    expect(result).toEqual([
      { number: 1, text: 'ok', bytesRead: expect.any(Number) },
      { number: 2, tooLong: true, bytes: 5000, bytesRead: expect.any(Number) },
      { number: 3, text: 'after', bytesRead: expect.any(Number) },
    ]);
  });

  it('reports invalid UTF-8 instead of guessing', async () => {
    const result = await lines([Buffer.from([0x61, 0xff, 0x62, 0x0a]), 'fine\n']);
    expect(result[0]).toMatchObject({ number: 1, invalidUtf8: true });
    expect(result[1]).toMatchObject({ number: 2, text: 'fine' });
  });

  it('yields nothing for an empty input', async () => {
    expect(await lines([])).toEqual([]);
  });
});
