import { cursorCarry, decodeCursor, decodeVector, encodeCursor, encodeVector, fingerprint } from './cursor';

describe('page cursors', () => {
  const f = fingerprint(['text', 'red mug', {}]);

  it('round-trips the offset of the same search', () => {
    expect(decodeCursor(encodeCursor(40, f), f)).toBe(40);
    expect(decodeCursor(undefined, f)).toBe(0);
  });

  it('refuses a cursor of another search, and garbage', () => {
    const other = fingerprint(['text', 'blue mug', {}]);
    expect(() => decodeCursor(encodeCursor(20, other), f)).toThrow('another search');
    expect(() => decodeCursor('not-a-cursor', f)).toThrow('not a cursor');
    expect(() => decodeCursor(Buffer.from('{"o":-5,"f":"x"}').toString('base64url'), f)).toThrow(
      'not a cursor',
    );
  });
});

describe('image search cursors', () => {
  it('carry the query embedding in 8 bits a dimension, close to the original', () => {
    const v = Float32Array.from({ length: 256 }, (_, i) => Math.sin(i) / 16);
    const code = encodeVector(v);
    expect(code.length).toBeLessThan(360);
    const back = decodeVector(code);
    let dot = 0;
    let a = 0;
    let b = 0;
    for (let i = 0; i < v.length; i++) {
      dot += v[i]! * back[i]!;
      a += v[i]! ** 2;
      b += back[i]! ** 2;
    }
    expect(dot / Math.sqrt(a * b)).toBeGreaterThan(0.999);
    // Decoding what was decoded gives the same vector: page 1 and later pages search with one vector.
    expect(decodeVector(encodeVector(back))).toEqual(back);
  });

  it('hands back what a cursor carries, and refuses a forged one', () => {
    const c = encodeCursor(20, 'f', { v: 'abc', q: 'in red' });
    expect(cursorCarry(c)).toEqual({ v: 'abc', q: 'in red' });
    expect(decodeCursor(c, 'f')).toBe(20);
    expect(() => cursorCarry(Buffer.from('{"o":1,"f":"x","v":5}').toString('base64url'))).toThrow(
      'not a cursor',
    );
    expect(() => decodeVector('AA')).toThrow('not a cursor');
  });
});
