import { decodeCursor, encodeCursor, fingerprint } from './cursor';

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
