// Rasterises every available style of every concept, composited on white, to SIZE x SIZE PNGs in .cache/images,
// and writes .cache/manifest.json. Deterministic: same packages -> same files.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { createRequire } from 'node:module';
import { HERE, NM, STYLES, iconifySet, loadConcepts } from './concepts.mjs';

/** Languages of the training text besides English: CLDR names and tags from emojibase-data (MIT; CLDR data under
 * the Unicode licence). English stays the most sampled language (see train.py --lang-weights). */
export const LOCALES = ['zh', 'ja', 'de', 'fr', 'es'];
const require = createRequire(import.meta.url);

const SIZE = 128;
const CACHE = process.env.DEMO_CACHE ?? path.join(HERE, '.cache');
const WHITE = { r: 255, g: 255, b: 255, alpha: 1 };
sharp.concurrency(1);

/** Any source (SVG, PNG, WebP) -> SIZE x SIZE RGB PNG on white. Flatten first, in its own pass, so the colour that
 * vendors leave under transparent pixels never leaks into resampling. */
export async function rasterise(file, buf = fs.readFileSync(file)) {
  let img = sharp(buf);
  if (file.endsWith('.svg')) {
    const meta = await sharp(buf).metadata();
    const density = Math.ceil((72 * 4 * SIZE) / Math.max(meta.width, meta.height)); // render at ~4x, then shrink
    img = sharp(buf, { density });
  }
  const flat = await img.flatten({ background: WHITE }).removeAlpha().png().toBuffer();
  return sharp(flat)
    .resize(SIZE, SIZE, { fit: 'contain', background: WHITE, kernel: 'lanczos3' })
    .removeAlpha()
    .png({ compressionLevel: 9 })
    .toBuffer();
}

/** hexcode -> { label, tags } in each of LOCALES. */
function localeNames() {
  const out = {};
  for (const loc of LOCALES) {
    out[loc] = new Map();
    for (const e of require(path.join(NM, `emojibase-data/${loc}/data.json`))) {
      out[loc].set(e.hexcode, { label: e.label.toLowerCase(), tags: (e.tags ?? []).map((t) => t.toLowerCase()) });
    }
  }
  return out;
}

async function main() {
  const concepts = loadConcepts();
  const names = localeNames();
  const iconify = new Map();
  const source = (rel) => {
    if (!rel.startsWith('iconify:')) return [path.join(NM, rel), fs.readFileSync(path.join(NM, rel))];
    const [, set, name] = rel.split(':');
    if (!iconify.has(set)) iconify.set(set, iconifySet(set));
    return [`${rel}.svg`, Buffer.from(iconify.get(set).get(name)())];
  };
  const items = [];
  for (const c of concepts) for (const [style, rel] of Object.entries(c.files)) items.push({ c, style, rel });
  let done = 0;
  const manifest = [];
  const queue = [...items];
  async function worker() {
    for (let it = queue.shift(); it; it = queue.shift()) {
      const out = path.join('images', it.style, `${it.c.concept}.png`);
      const abs = path.join(CACHE, out);
      if (!fs.existsSync(abs)) {
        fs.mkdirSync(path.dirname(abs), { recursive: true });
        fs.writeFileSync(abs, await rasterise(...source(it.rel)));
      }
      if (++done % 500 === 0) console.log(`rasterised ${done}/${items.length}`);
    }
  }
  await Promise.all([worker(), worker()]);
  for (const { c, style } of items) {
    manifest.push({
      concept: c.concept,
      hexcode: c.hexcode,
      label: c.label.toLowerCase(),
      tags: c.tags,
      shortcodes: c.shortcodes,
      i18n: Object.fromEntries(LOCALES.filter((l) => names[l].has(c.hexcode)).map((l) => [l, names[l].get(c.hexcode)])),
      group: c.group,
      subgroup: c.subgroup,
      style,
      train: STYLES[style].train,
      path: path.join('images', style, `${c.concept}.png`),
    });
  }
  fs.writeFileSync(path.join(CACHE, 'manifest.json'), JSON.stringify(manifest, null, 1));
  const perStyle = {};
  for (const m of manifest) perStyle[m.style] = (perStyle[m.style] ?? 0) + 1;
  console.log(`${concepts.length} concepts, ${manifest.length} images`, perStyle, `-> ${CACHE}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
