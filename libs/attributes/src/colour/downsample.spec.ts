import { shrinkRgb } from './downsample';

const grey = (values: number[]) => Uint8Array.from(values.flatMap((v) => [v, v, v]));

describe('shrinkRgb', () => {
  it('returns a picture already small enough as it is', () => {
    const picture = { rgb: grey([1, 2, 3, 4]), width: 2, height: 2 };
    expect(shrinkRgb(picture, 2)).toBe(picture);
  });

  it('averages whole blocks', () => {
    // 4 × 2 → 2 × 1: each output pixel is the mean of a 2 × 2 block.
    const out = shrinkRgb({ rgb: grey([0, 10, 100, 200, 20, 30, 100, 0]), width: 4, height: 2 }, 2);
    expect([out.width, out.height]).toEqual([2, 1]);
    expect([...out.rgb]).toEqual([15, 15, 15, 100, 100, 100]);
  });

  it('weighs source pixels by the area they share with an output pixel', () => {
    // 3 → 2 in one row: the middle pixel is split half and half.
    const out = shrinkRgb({ rgb: grey([0, 90, 180]), width: 3, height: 1 }, 2);
    expect([out.width, out.height]).toEqual([2, 1]);
    expect([out.rgb[0], out.rgb[3]]).toEqual([30, 150]);
  });

  it('keeps the aspect and the channels apart', () => {
    const rgb = new Uint8Array(8 * 4 * 3);
    for (let i = 0; i < 8 * 4; i++) rgb.set([255, 0, 128], i * 3);
    const out = shrinkRgb({ rgb, width: 8, height: 4 }, 4);
    expect([out.width, out.height]).toEqual([4, 2]);
    for (let i = 0; i < 8; i++) expect([...out.rgb.subarray(i * 3, i * 3 + 3)]).toEqual([255, 0, 128]);
  });
});
