/**
 * The demo catalog's colour answers and their CPU, the library's analysis against the frozen one it replaced
 * (`colour-reference.ts`), side by side in one run: every product's first picture decoded as the indexer decodes it
 * for the model (the demo model's preprocessing), then analysed as the indexer's extraction does
 * (`ImageAnalyser.coloursOfDecoded`). Prints how many answers differ (clusters, named shares, top colour and its
 * confidence) and the CPU ms per picture of each, from `process.cpuUsage`.
 *
 *   node -r @swc-node/register bench/support/colour-check.ts [--catalog data/demo-catalog/products.jsonl]
 *                                                            [--rounds 5] [--model models/demo-clip]
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { ImagePreprocessor, readModelDir, type DecodedImage } from '@vitrine/embedding';
import {
  COLOUR_ANALYSIS_SIZE,
  ColourNamer,
  DECODED_COLOUR_SIZE,
  ImageAnalyser,
  colourDominance,
  shrinkRgb,
  type ColourAnalysis,
} from '@vitrine/attributes';
import { referenceDominantColours } from './colour-reference';

const { values } = parseArgs({
  options: {
    catalog: { type: 'string', default: 'data/demo-catalog/products.jsonl' },
    model: { type: 'string', default: 'models/demo-clip' },
    rounds: { type: 'string', default: '5' },
  },
});

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function main(): Promise<void> {
  const file = resolve(values.catalog);
  const products = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { sku: string; images?: string[] });
  const model = await readModelDir(values.model);
  const limits = { maxPixels: 40_000_000, maxBytes: 20 * 1024 * 1024 };
  const pre = new ImagePreprocessor(model.image, limits);
  const namer = new ColourNamer();
  const analyser = new ImageAnalyser(namer, limits);
  const pictures: { sku: string; bytes: Buffer; decoded: DecodedImage }[] = [];
  for (const p of products) {
    const first = p.images?.[0];
    if (!first) continue;
    const bytes = readFileSync(join(dirname(file), first));
    pictures.push({ sku: p.sku, bytes, decoded: await pre.decode(bytes) });
  }
  const reference = (d: DecodedImage): ColourAnalysis => {
    const small = shrinkRgb(d, DECODED_COLOUR_SIZE);
    return referenceDominantColours(small.rgb, small.width, small.height, namer);
  };
  const current = (d: DecodedImage): ColourAnalysis => analyser.coloursOfDecoded(d);

  let same = 0;
  let sameTop = 0;
  let sameConfidence = 0;
  const differences: string[] = [];
  for (const { sku, decoded } of pictures) {
    const a = reference(decoded);
    const b = current(decoded);
    if (isDeepStrictEqual(a, b)) same++;
    const topA = a.named[0]?.name;
    const topB = b.named[0]?.name;
    if (topA === topB) sameTop++;
    if (topA === topB && colourDominance(a) === colourDominance(b)) sameConfidence++;
    else
      differences.push(
        `  ${sku}: ${topA} ${colourDominance(a).toFixed(3)} -> ${topB} ${colourDominance(b).toFixed(3)}`,
      );
  }
  // The analysis of a picture decoded on its own (the VQA answers' path), at the analyser's own size.
  const own = new ImagePreprocessor(
    {
      resize: { kind: 'exact', width: COLOUR_ANALYSIS_SIZE, height: COLOUR_ANALYSIS_SIZE },
      crop: null,
      kernel: 'cubic',
      rescaleFactor: 1 / 255,
      mean: [0, 0, 0],
      std: [1, 1, 1],
      width: COLOUR_ANALYSIS_SIZE,
      height: COLOUR_ANALYSIS_SIZE,
    },
    limits,
  );
  let sameOwn = 0;
  for (const { bytes } of pictures) {
    const d = await own.decode(bytes);
    const a = referenceDominantColours(d.rgb, d.width, d.height, namer);
    if (isDeepStrictEqual(a, await analyser.colours(bytes))) sameOwn++;
  }
  console.log(
    `${pictures.length} pictures (${values.catalog}, decoded for ${model.name} at ` +
      `${pictures[0]?.decoded.width}x${pictures[0]?.decoded.height}); load ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
  );
  console.log(`whole analysis identical: ${same}/${pictures.length}`);
  console.log(
    `own ${COLOUR_ANALYSIS_SIZE} px decode (ImageAnalyser.colours), whole analysis identical: ${sameOwn}`,
  );
  console.log(
    `top colour identical: ${sameTop}/${pictures.length}; top colour and confidence: ${sameConfidence}`,
  );
  for (const d of differences.slice(0, 40)) console.log(d);

  // Side by side, alternating, after a warm-up round of each.
  const time = { reference: 0, current: 0 };
  for (let r = 0; r <= Number(values.rounds); r++) {
    for (const [name, fn] of [
      ['reference', reference],
      ['current', current],
    ] as const) {
      const t0 = cpuMs();
      for (const p of pictures) fn(p.decoded);
      if (r > 0) time[name] += cpuMs() - t0;
    }
  }
  const per = (x: number) => (x / (Number(values.rounds) * pictures.length)).toFixed(3);
  console.log(
    `CPU ms per picture over ${values.rounds} rounds: reference ${per(time.reference)}, current ${per(time.current)} ` +
      `(${(time.reference / time.current).toFixed(2)}x); load after ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
