import { coalesce } from './coalesce';

describe('coalesce', () => {
  it('answers the keys asked in one turn with one call, each caller its own answer', async () => {
    const calls: number[][] = [];
    const square = coalesce((keys: number[]) => {
      calls.push(keys);
      return Promise.resolve(keys.map((k) => k * k));
    });
    expect(await Promise.all([square(2), square(3), square(4)])).toEqual([4, 9, 16]);
    expect(calls).toEqual([[2, 3, 4]]);
  });

  it('starts a new call for keys asked after the previous one went out', async () => {
    const calls: string[][] = [];
    const echo = coalesce((keys: string[]) => {
      calls.push(keys);
      return Promise.resolve(keys);
    });
    await echo('a');
    await echo('b');
    expect(calls).toEqual([['a'], ['b']]);
  });

  it("fails every caller of a call that fails, and not the next call's", async () => {
    let fail = true;
    const get = coalesce((keys: number[]) =>
      fail ? Promise.reject(new Error('database down')) : Promise.resolve(keys),
    );
    const failed = await Promise.allSettled([get(1), get(2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(get(3)).resolves.toBe(3);
  });

  it('splits a turn with more than 256 keys into calls of at most 256', async () => {
    const sizes: number[] = [];
    const id = coalesce((keys: number[]) => {
      sizes.push(keys.length);
      return Promise.resolve(keys);
    });
    const keys = Array.from({ length: 600 }, (_, i) => i);
    expect(await Promise.all(keys.map(id))).toEqual(keys);
    expect(sizes).toEqual([256, 256, 88]);
  });
});
