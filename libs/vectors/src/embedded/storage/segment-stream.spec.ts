import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Prng } from '../../prng';
import { randomUnit } from '../../testing/dataset';
import type { CheckedPoint } from '../../validation';
import { readSegment, streamSegment, writeSegment } from './segment';

const DIM = 8;
const rng = new Prng(3);
const points: CheckedPoint[] = Array.from({ length: 50 }, (_, i) => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  vectors: { image: randomUnit(rng, DIM), ...(i % 3 === 0 ? {} : { text: randomUnit(rng, DIM) }) },
  payload: { category: `c${i % 4}`, price: i },
}));

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitrine-segstream-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function stream(file: string) {
  const got: CheckedPoint[] = [];
  let counted: number | undefined;
  let batches = 0;
  const result = await streamSegment(
    file,
    DIM,
    ['image', 'text'],
    (n) => (counted = n),
    (batch) => {
      batches++;
      got.push(...batch);
    },
  );
  return { result, got, counted, batches };
}

describe('streamSegment', () => {
  it('hands over an intact snapshot batch by batch, the same points the whole-file reader finds', async () => {
    const file = path.join(dir, 'segment-1.bin');
    const bytes = await writeSegment(file, points, ['image', 'text'], 16);
    const { result, got, counted, batches } = await stream(file);
    expect(result).toEqual({ bytes, points: 50 });
    expect(counted).toBe(50);
    expect(batches).toBe(4);
    const whole = await readSegment(file, DIM, ['image', 'text']);
    expect(
      got.map((p) => [
        p.id,
        p.payload,
        Array.from(p.vectors.image!),
        p.vectors.text && Array.from(p.vectors.text),
      ]),
    ).toEqual(
      whole.points.map((p) => [
        p.id,
        p.payload,
        Array.from(p.vectors.image!),
        p.vectors.text && Array.from(p.vectors.text),
      ]),
    );
  });

  it('writes batches as a generator yields them when told the count, and fails before the rename on a wrong one', async () => {
    const file = path.join(dir, 'segment-1.bin');
    function* lazily() {
      yield* points;
    }
    const bytes = await writeSegment(file, lazily(), ['image', 'text'], 16, points.length);
    expect((await stream(file)).result).toEqual({ bytes, points: 50 });
    const other = path.join(dir, 'segment-2.bin');
    await expect(writeSegment(other, lazily(), ['image', 'text'], 16, 49)).rejects.toThrow(
      /50 points written, 49/,
    );
    await expect(fs.access(other)).rejects.toThrow();
  });

  it('gives up on a damaged or cut snapshot, which the whole-file reader then salvages', async () => {
    const file = path.join(dir, 'segment-1.bin');
    await writeSegment(file, points, ['image', 'text'], 16);
    const buf = await fs.readFile(file);
    const flipped = Buffer.from(buf);
    flipped[buf.length - 40] = (flipped[buf.length - 40] as number) ^ 0xff; // inside the last batch
    await fs.writeFile(file, flipped);
    expect((await stream(file)).result).toBeUndefined();
    const salvaged = await readSegment(file, DIM, ['image', 'text']);
    expect(salvaged.damage).toBe('corrupt');
    expect(salvaged.points).toHaveLength(48);

    await fs.writeFile(file, buf.subarray(0, buf.length - 10));
    expect((await stream(file)).result).toBeUndefined();
    await fs.writeFile(file, Buffer.concat([buf, Buffer.from([1, 2, 3, 4])]));
    expect((await stream(file)).result).toBeUndefined();
  });
});
