// Builds the demo product catalog in data/demo-catalog/ from the rasterised emoji (.cache, see build-dataset.mjs):
//   products.jsonl  one invented but plausible product per concept, with 1 or 2 pictures (training styles)
//   queries.jsonl   one text query (CLDR name) and one image query (OpenMoji, a style the model never saw) per concept
//   queries.zh.jsonl the text queries in Chinese (CLDR zh names), "lang":"zh"
//   images/, queries/, ATTRIBUTION.md
// Each product also carries a Chinese title and short description (CLDR zh name and tags) under translations.zh.
// `node build-catalog.mjs --translations` adds only those (and queries.zh.jsonl) to the committed products.jsonl,
// leaving every other field, id and SKU as it is: no image cache needed.
// Deterministic: a seeded PRNG per concept, no clock, no network.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { HERE, NM, slug } from './concepts.mjs';

const require = createRequire(import.meta.url);
const SEED = 1234;
const CACHE = process.env.DEMO_CACHE ?? path.join(HERE, '.cache');
const OUT = path.resolve(HERE, '..', '..', 'data', 'demo-catalog');

// ---------------------------------------------------------------------------------------------- taxonomy
const CATEGORIES = {
  clothing: { name: 'Clothing', price: [12, 140], brands: ['Northwind Apparel', 'Loomly', 'Fable & Thread'],
    materials: ['cotton', 'organic cotton', 'wool', 'linen', 'polyester', 'denim'], lines: ['Everyday', 'Heritage', 'Coastline', 'Urban', 'Soft Touch'] },
  shoes: { name: 'Shoes', price: [35, 180], brands: ['Stridewell', 'Pathfinder Footwear', 'Kicklab'],
    materials: ['leather', 'canvas', 'mesh', 'suede', 'synthetic'], lines: ['Trailblazer', 'Cloudstep', 'Metro', 'Summit', 'Sprint'] },
  bags: { name: 'Bags', price: [25, 260], brands: ['Carryall & Co', 'Maison Poche', 'Tote Theory'],
    materials: ['leather', 'canvas', 'nylon', 'vegan leather'], lines: ['Voyager', 'Atelier', 'City', 'Weekender'] },
  accessories: { name: 'Accessories', price: [9, 120], brands: ['Brightline', 'Ocular Studio', 'Hatterly'],
    materials: ['acetate', 'metal', 'wool', 'cotton', 'polycarbonate'], lines: ['Classic', 'Aviator', 'Riviera', 'Essential'] },
  jewellery: { name: 'Jewellery & Beauty', price: [8, 450], brands: ['Aurum Lane', 'Gleam & Co', 'Velvet Bloom'],
    materials: ['sterling silver', 'gold-plated brass', '18k gold', 'glass'], lines: ['Lumière', 'Solstice', 'Petal', 'Eternity'] },
  food: { name: 'Food', price: [1.5, 25], brands: ['Green Basket', 'Golden Oven', 'Harvest Table'],
    lines: ['Organic', 'Farm Fresh', 'Artisan', 'Family Pack', 'Daily'] },
  drinks: { name: 'Drinks', price: [1.2, 45], brands: ['Brookside Beverages', 'Cellar Nine', 'Leaf & Kettle'],
    lines: ['Reserve', 'Classic', 'Craft', 'Chilled'] },
  kitchen: { name: 'Kitchen & Dining', price: [6, 90], brands: ['Copperpot', 'Hearth & Home', 'Tablecraft'],
    materials: ['stainless steel', 'ceramic', 'glass', 'bamboo', 'cast iron', 'porcelain'], lines: ['Chef', 'Nordic', 'Everyday', 'Bistro'] },
  home: { name: 'Home & Household', price: [4, 120], brands: ['Tidy Nest', 'Hearth & Home', 'Casa Clara'],
    materials: ['plastic', 'bamboo', 'steel', 'glass', 'cotton'], lines: ['Fresh', 'Essentials', 'Nordic', 'Comfort'] },
  furniture: { name: 'Furniture', price: [60, 1400], brands: ['Oak & Ember', 'Casa Clara', 'Nordhaus'],
    materials: ['oak', 'walnut', 'steel', 'pine', 'fabric', 'glass'], lines: ['Linnea', 'Loft', 'Harbor', 'Mid-Century'] },
  electronics: { name: 'Electronics', price: [15, 1600], brands: ['Voltiq', 'Pixelcraft', 'Nimbus Tech'],
    lines: ['Pro', 'Air', 'Max', 'Lite', 'Studio'] },
  office: { name: 'Office & Stationery', price: [1.5, 60], brands: ['Paperwise', 'Inkwell & Co', 'Deskmate'],
    materials: ['plastic', 'recycled plastic', 'steel', 'bamboo'], lines: ['Classic', 'Studio', 'Pro', 'Desk'] },
  books: { name: 'Books & Media', price: [6, 45], brands: ['Lantern Press', 'Paperwise', 'Reelhouse'],
    lines: ['Collector\u2019s', 'Pocket', 'Illustrated', 'Classic'] },
  tools: { name: 'Tools & Hardware', price: [6, 240], brands: ['Ironclad Tools', 'Forgeworks', 'Handyman Pro'],
    materials: ['hardened steel', 'chrome vanadium steel', 'aluminium', 'fibreglass'], lines: ['Pro', 'Heavy Duty', 'Workshop', 'Compact'] },
  sports: { name: 'Sports & Outdoors', price: [8, 400], brands: ['Apex Athletics', 'Trailhead', 'Kicklab'],
    materials: ['rubber', 'synthetic leather', 'nylon', 'carbon fibre', 'aluminium'], lines: ['Pro', 'Club', 'Training', 'Elite', 'Junior'] },
  toys: { name: 'Toys & Games', price: [5, 90], brands: ['Playwright Toys', 'Meeple Works', 'Tiny Giants'],
    materials: ['wood', 'plastic', 'plush', 'cardboard'], lines: ['Classic', 'Family', 'Junior', 'Deluxe'] },
  music: { name: 'Musical Instruments', price: [15, 2200], brands: ['Resonance', 'Harmonia', 'Stagecraft'],
    materials: ['spruce', 'maple', 'brass', 'rosewood', 'steel'], lines: ['Studio', 'Concert', 'Student', 'Vintage'] },
  garden: { name: 'Garden & Plants', price: [4, 80], brands: ['Greenhouse Co', 'Bloom & Root', 'Fernwood'],
    lines: ['Fresh', 'Indoor', 'Garden', 'Seasonal'] },
  health: { name: 'Health & Care', price: [3, 150], brands: ['Carewell', 'Medica Plus', 'Pure Ritual'],
    materials: ['plastic', 'stainless steel', 'cotton'], lines: ['Care', 'Sensitive', 'Pro', 'Daily'] },
  party: { name: 'Party & Gifts', price: [2, 60], brands: ['Confetti Lane', 'Giftory', 'Festiva'],
    materials: ['paper', 'foil', 'fabric', 'glass'], lines: ['Celebration', 'Festive', 'Classic', 'Luxe'] },
  mobility: { name: 'Bikes & Mobility', price: [40, 24000], brands: ['Velo Nord', 'Urbanride', 'Motoria'],
    materials: ['aluminium', 'steel', 'carbon fibre'], lines: ['City', 'Sport', 'Trail', 'Cruiser'] },
  science: { name: 'Science & Lab', price: [5, 600], brands: ['LabNova', 'Curio Science', 'Optica'],
    materials: ['borosilicate glass', 'aluminium', 'plastic'], lines: ['Student', 'Lab', 'Explorer', 'Pro'] },
};

const SUBGROUP_CATEGORY = {
  'food-fruit': 'food', 'food-vegetable': 'food', 'food-prepared': 'food', 'food-asian': 'food', 'food-marine': 'food',
  'food-sweet': 'food', drink: 'drinks', dishware: 'kitchen', 'plant-flower': 'garden', 'plant-other': 'garden',
  'transport-ground': 'mobility', 'transport-water': 'sports', 'transport-air': 'toys', hotel: 'bags', time: 'home',
  'sky-weather': 'accessories', event: 'party', 'award-medal': 'sports', sport: 'sports', game: 'toys',
  'arts-crafts': 'office', clothing: 'clothing', sound: 'electronics', 'musical-instrument': 'music',
  phone: 'electronics', computer: 'electronics', 'light-video': 'electronics', 'book-paper': 'books', money: 'office',
  mail: 'office', writing: 'office', office: 'office', lock: 'home', tool: 'tools', science: 'science',
  medical: 'health', household: 'home', 'other-object': 'home',
};

/** Label-specific categories where the subgroup is too coarse. */
function categoryOf(c) {
  const l = c.label.toLowerCase();
  if (c.subgroup === 'clothing') {
    if (/shoe|boot|sandal/.test(l)) return 'shoes';
    if (/bag|purse|backpack|clutch/.test(l)) return 'bags';
    if (/ring|gem stone|lipstick|prayer beads|crown/.test(l)) return 'jewellery';
    if (/glasses|goggles|hat|cap|helmet|fan|hair pick|gloves|scarf|necktie/.test(l)) return 'accessories';
    return 'clothing';
  }
  if (/^(door|bed|couch and lamp|chair|toilet|bathtub|shower|window|mirror|seat|file cabinet|elevator)$/.test(l)) return 'furniture';
  if (/^(watch)$/.test(l)) return 'accessories';
  if (/^(candle|diya lamp|red paper lantern|light bulb|flashlight|magnifying glass tilted left)$/.test(l)) return 'home';
  if (/^(kitchen knife|chopsticks|fork and knife|fork and knife with plate|spoon|jar|amphora|teapot|baby bottle)$/.test(l)) return 'kitchen';
  if (/^(crossed swords|dagger|shield|bow and arrow|boomerang)$/.test(l)) return 'toys';
  if (/^(ice skate|roller skate|skateboard|kick scooter)$/.test(l)) return 'sports';
  if (/^(luggage)$/.test(l)) return 'bags';
  if (/^(coin|money bag|treasure chest)$/.test(l)) return 'toys';
  if (/^(credit card|identification card)$/.test(l)) return 'office';
  if (/^(nazar amulet|hamsa)$/.test(l)) return 'jewellery';
  if (/^(x-ray|thermometer)$/.test(l)) return 'health';
  return SUBGROUP_CATEGORY[c.subgroup] ?? 'home';
}

/** CLDR names that read oddly as product names. */
const PRODUCT_NAME = {
  'man’s shoe': 'men’s leather shoe', 'woman’s clothes': 'women’s blouse', 'woman’s hat': 'women’s sun hat',
  'woman’s boot': 'women’s boot', 'woman’s sandal': 'women’s sandal', 'hourglass done': 'hourglass',
  cooking: 'frying pan', 'couch and lamp': 'sofa with floor lamp', 'fork and knife with plate': 'dinner set',
  'locked with key': 'padlock with key', locked: 'padlock', unlocked: 'open padlock', 'locked with pen': 'lockable diary',
  'hot beverage': 'coffee mug', 'bottle with popping cork': 'sparkling wine', 'clinking glasses': 'champagne flutes',
  'clinking beer mugs': 'beer mug set', 'teacup without handle': 'tea bowl', 'magnifying glass tilted left': 'magnifying glass',
  'page facing up': 'printer paper', 'page with curl': 'parchment paper', 'closed mailbox with raised flag': 'mailbox',
  'notebook with decorative cover': 'decorative notebook', 'optical disk': 'blu-ray disc', 'computer disk': 'minidisc',
  'camera with flash': 'compact flash camera', 'desktop computer': 'desktop computer', 'world map': 'world map poster',
  'hammer and pick': 'hammer and pick set', 'hammer and wrench': 'hammer and wrench set', 'pool 8 ball': 'pool ball set',
  'flower playing cards': 'hanafuda cards', 'mahjong red dragon': 'mahjong set', 'joker': 'playing cards',
  'spade suit': 'spade playing cards', 'heart suit': 'heart playing cards', 'diamond suit': 'diamond playing cards',
  'club suit': 'club playing cards', 'performing arts': 'theatre masks', 'flag in hole': 'golf flag', 'bullseye': 'dartboard',
  'game die': 'dice set', 'shallow pan of food': 'paella pan', 'pot of food': 'stew pot', 'bowl with spoon': 'cereal bowl',
  'roll of paper': 'toilet paper', 'soft ice cream': 'soft serve ice cream', 'military helmet': 'army helmet',
  'rescue worker’s helmet': 'safety helmet', 'running shirt': 'running vest', 'one-piece swimsuit': 'swimsuit',
  'fishing pole': 'fishing rod', 'diving mask': 'snorkel mask', 'goal net': 'football goal', 'white cane': 'mobility cane',
  'manual wheelchair': 'wheelchair', 'motorized wheelchair': 'electric wheelchair', automobile: 'toy car',
  'racing car': 'racing car model', 'pickup truck': 'toy pickup truck', 'oil drum': 'oil barrel', 'ring buoy': 'life ring',
  'admission tickets': 'festival tickets', 'party popper': 'party popper', 'red envelope': 'red gift envelope',
  'pine decoration': 'kadomatsu decoration', 'carp streamer': 'koinobori windsock', 'japanese dolls': 'hina dolls',
  'wrapped gift': 'gift box', 'jack-o-lantern': 'jack-o’-lantern', 'crystal ball': 'crystal ball', seat: 'airline seat',
  'sports medal': 'medal', '1st place medal': 'gold medal', '2nd place medal': 'silver medal', '3rd place medal': 'bronze medal',
  'military medal': 'commemorative medal', 'x-ray': 'x-ray film viewer', 'satellite antenna': 'satellite dish',
  'outbox tray': 'document tray', 'inbox tray': 'letter tray', 'card index': 'rolodex', 'card file box': 'card file box',
  'telephone receiver': 'retro phone handset', 'black nib': 'calligraphy pen', 'memo': 'memo pad', 'label': 'gift tag',
  'film frames': 'film strip', 'clapper board': 'clapperboard', 'placard': 'protest sign', 'mouse trap': 'mousetrap',
  'linked paperclips': 'paperclip chain', 'straight ruler': 'ruler', 'triangular ruler': 'set square',
};

// ---------------------------------------------------------------------------------------------- helpers
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function hash(s) {
  let h = 2166136261;
  for (const ch of s) h = Math.imul(h ^ ch.codePointAt(0), 16777619);
  return h >>> 0;
}
const cap = (s) => s[0].toUpperCase() + s.slice(1);
const pick = (rnd, arr) => arr[Math.floor(rnd() * arr.length)];
const SMALL_WORDS = new Set(['a', 'an', 'and', 'of', 'with', 'in', 'on', 'for', 'the', 'to']);
const titleCase = (s) =>
  s.split(' ').map((w, i) => (i > 0 && SMALL_WORDS.has(w) ? w : w.replace(/(^|-)([a-z])/g, (m, p, c) => p + c.toUpperCase()))).join(' ');
/** "a" or "an" + word (by sound of the first letter, good enough for these names). */
const an = (w) => `${/^[aeiou]/i.test(w) ? 'an' : 'a'} ${w}`;

/** A plausible price in [lo, hi], log-uniform, with a retail ending (.99 / .49 / .00 for large amounts). */
function price(rnd, [lo, hi]) {
  const v = Math.exp(Math.log(lo) + rnd() * (Math.log(hi) - Math.log(lo)));
  if (v >= 200) return Math.round(v / 10) * 10 - 1;
  if (v >= 20) return Math.floor(v) + (rnd() < 0.7 ? 0.99 : 0.49);
  return Math.max(0.99, Math.floor(v) + (rnd() < 0.5 ? 0.99 : 0.49));
}

const COLORS = [
  ['black', [35, 35, 35]], ['grey', [128, 128, 128]], ['silver', [195, 195, 200]], ['white', [245, 245, 245]],
  ['red', [210, 40, 45]], ['orange', [245, 140, 35]], ['yellow', [250, 210, 60]], ['green', [70, 160, 70]],
  ['blue', [45, 110, 210]], ['purple', [135, 80, 175]], ['pink', [240, 135, 175]], ['brown', [135, 85, 45]],
  ['beige', [225, 195, 150]],
];

/** Dominant named colour of the object: majority vote of non-background pixels over a small palette. */
async function dominantColor(file) {
  const { data, info } = await sharp(file).resize(32, 32).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const votes = new Map();
  for (let i = 0; i < info.width * info.height; i++) {
    const p = [data[3 * i], data[3 * i + 1], data[3 * i + 2]];
    if (p[0] > 240 && p[1] > 240 && p[2] > 240) continue; // white background
    let best = null;
    let bd = Infinity;
    for (const [name, c] of COLORS) {
      const d = (p[0] - c[0]) ** 2 + (p[1] - c[1]) ** 2 + (p[2] - c[2]) ** 2;
      if (d < bd) [bd, best] = [d, name];
    }
    votes.set(best, (votes.get(best) ?? 0) + 1);
  }
  return [...votes.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? 'white';
}

const DESCRIPTIONS = {
  clothing: (n, a) => `${cap(an(a.material))} ${n} with a relaxed fit, made to be worn every day and washed often.`,
  shoes: (n, a) => `${titleCase(n)} with a ${a.material} upper and a cushioned sole for all-day comfort.`,
  bags: (n, a) => `A roomy ${a.material} ${n} with an inner zip pocket and sturdy handles.`,
  accessories: (n, a) => `${cap(an(a.material))} ${n} that finishes any outfit.`,
  jewellery: (n, a) => `${titleCase(n)} in ${a.material}, gift-boxed.`,
  food: (n) => `Fresh ${n}, carefully sourced and packed the day it ships.`,
  drinks: (n) => `${titleCase(n)}, best served at the right temperature.`,
  kitchen: (n, a) => `${cap(an(a.material))} ${n} for everyday cooking and dining; dishwasher safe.`,
  home: (n, a) => `A practical ${n}${a.material ? ` in ${a.material}` : ''} for a tidy home.`,
  furniture: (n, a) => `${cap(an(n))} in ${a.material} with clean lines; assembly instructions included.`,
  electronics: (n) => `A reliable ${n} with a two-year warranty.`,
  office: (n, a) => `${cap(an(n))}${a.material ? ` made of ${a.material}` : ''} for the desk, the studio and the classroom.`,
  books: (n) => `${titleCase(n)}, printed on acid-free paper.`,
  tools: (n, a) => `${cap(an(a.material))} ${n} built for the workshop and the job site.`,
  sports: (n, a) => `${cap(an(n))} made of ${a.material}, tested by club players.`,
  toys: (n, a) => `${cap(an(a.material))} ${n} for ages 6 and up.`,
  music: (n, a) => `${cap(an(n))} with a ${a.material} body and a warm, balanced tone.`,
  garden: (n) => `${titleCase(n)}, grown by a local nursery and shipped in protective packaging.`,
  health: (n) => `${titleCase(n)} for the home first-aid kit.`,
  party: (n, a) => `${cap(an(n))} that makes any celebration brighter${a.material ? `; ${a.material}` : ''}.`,
  mobility: (n, a) => `${cap(an(n))} with a ${a.material} frame, ready to ride.`,
  science: (n, a) => `${cap(an(n))} in ${a.material} for school labs and curious minds.`,
};

// ---------------------------------------------------------------------------------------------- main
/** CLDR zh (Simplified Chinese) names and tags by emojibase hexcode, and English CLDR labels' slugs → hexcode. */
function cldrZh() {
  const zh = new Map(require(path.join(NM, 'emojibase-data/zh/data.json')).map((e) => [e.hexcode, e]));
  const hexcodeOf = new Map(require(path.join(NM, 'emojibase-data/en/data.json')).map((e) => [slug(e.label), e.hexcode]));
  return { zh, hexcodeOf };
}

/** A product's Chinese text: the CLDR zh name as title; the name and the tags it does not already say as description. */
function zhTranslation(entry) {
  const tags = (entry.tags ?? []).filter((t) => !entry.label.includes(t)).slice(0, 4);
  return { title: entry.label, description: `${entry.label}。${tags.length ? `关键词：${tags.join('、')}。` : ''}` };
}

/**
 * Adds translations.zh to `products` (the concept is the main picture's file name) and returns the Chinese text
 * queries for the English text queries of `queries` (same ids prefixed with zh-, same relevant SKUs).
 */
function addChinese(products, queries) {
  const { zh, hexcodeOf } = cldrZh();
  const bySku = new Map();
  for (const p of products) {
    const concept = path.basename(p.images[0], '.png');
    const entry = zh.get(hexcodeOf.get(concept));
    if (!entry) throw new Error(`no CLDR zh name for ${p.sku} (${concept})`);
    p.translations = { zh: zhTranslation(entry) };
    bySku.set(p.sku, entry);
  }
  return queries
    .filter((q) => q.text)
    .map((q) => ({ id: `zh-${q.id}`, text: bySku.get(q.relevant[0]).label, relevant: q.relevant, lang: 'zh' }));
}

function writeJsonl(file, rows) {
  fs.writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

/** `--translations`: the committed catalog gets its Chinese text; nothing else in it changes. */
function translationsOnly() {
  const read = (f) => fs.readFileSync(path.join(OUT, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const products = read('products.jsonl');
  const zhQueries = addChinese(products, read('queries.jsonl'));
  writeJsonl(path.join(OUT, 'products.jsonl'), products);
  writeJsonl(path.join(OUT, 'queries.zh.jsonl'), zhQueries);
  fs.writeFileSync(path.join(OUT, 'ATTRIBUTION.md'), ATTRIBUTION);
  console.log(`${products.length} products translated, ${zhQueries.length} Chinese queries -> ${OUT}`);
}


async function main() {
  const { loadConcepts } = await import('./concepts.mjs');
  const { default: sharp } = await import('sharp');
  sharp.concurrency(1);
  const writeImage = async (src, dst) =>
    // 128 px palette PNG: a few KB each, keeps the committed catalog small
    fs.writeFileSync(dst, await sharp(src).png({ palette: true, compressionLevel: 9, effort: 10 }).toBuffer());
  const concepts = loadConcepts();
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(path.join(OUT, 'images'), { recursive: true });
  fs.mkdirSync(path.join(OUT, 'queries'), { recursive: true });
  const products = [];
  const queries = [];
  const usedTitles = new Set();
  for (const [i, c] of concepts.entries()) {
    const rnd = mulberry32(hash(c.concept) ^ SEED);
    const catKey = categoryOf(c);
    const cat = CATEGORIES[catKey];
    const style = c.files['fluent-3d'] ? 'fluent-3d' : 'google';
    const main = path.join(CACHE, 'images', style, `${c.concept}.png`);
    const images = [`images/${c.concept}.png`];
    await writeImage(main, path.join(OUT, images[0]));
    if (i % 10 === 3 && c.files.twitter) {
      // every tenth product has a second picture in another style (multi-image handling)
      images.push(`images/${c.concept}-2.png`);
      await writeImage(path.join(CACHE, 'images', 'twitter', `${c.concept}.png`), path.join(OUT, images[1]));
    }
    const name = PRODUCT_NAME[c.label.toLowerCase()] ?? c.label.toLowerCase();
    let title = `${pick(rnd, cat.lines)} ${titleCase(name)}`;
    if (usedTitles.has(title)) title = `${title} II`;
    usedTitles.add(title);
    const attributes = {};
    if (!['food', 'drinks', 'garden', 'books'].includes(catKey)) attributes.color = await dominantColor(main);
    if (cat.materials) attributes.material = pick(rnd, cat.materials);
    if (catKey === 'clothing') attributes.size = pick(rnd, ['XS', 'S', 'M', 'L', 'XL']);
    if (catKey === 'shoes') attributes.size = String(36 + Math.floor(rnd() * 11));
    if (catKey === 'food') attributes.weight = pick(rnd, ['250 g', '500 g', '1 kg']);
    if (catKey === 'drinks') attributes.volume = pick(rnd, ['330 ml', '500 ml', '750 ml', '1 l']);
    const usd = rnd() < 0.2;
    const amount = price(rnd, cat.price);
    const sku = `VT-${catKey.slice(0, 3).toUpperCase()}-${String(1000 + i).padStart(5, '0')}`;
    const tags = c.tags.filter((t) => !name.includes(t)).slice(0, 4);
    products.push({
      sku,
      title,
      description: `${DESCRIPTIONS[catKey](name, attributes)}${tags.length ? ` Good for: ${tags.join(', ')}.` : ''}`,
      brand: pick(rnd, cat.brands),
      category: cat.name,
      price: { amount, currency: usd ? 'USD' : 'EUR' },
      inStock: rnd() < 0.9,
      attributes,
      images,
    });
    if (c.files.openmoji) {
      queries.push({ id: `t-${c.concept}`, text: c.label.toLowerCase(), relevant: [sku] });
      const q = `queries/${c.concept}.png`;
      await writeImage(path.join(CACHE, 'images', 'openmoji', `${c.concept}.png`), path.join(OUT, q));
      queries.push({ id: `i-${c.concept}`, image: q, relevant: [sku] });
    }
  }
  const text = queries.filter((q) => q.text);
  const image = queries.filter((q) => q.image);
  const zhQueries = addChinese(products, text);
  writeJsonl(path.join(OUT, 'products.jsonl'), products);
  writeJsonl(path.join(OUT, 'queries.jsonl'), [...text, ...image]);
  writeJsonl(path.join(OUT, 'queries.zh.jsonl'), zhQueries);
  fs.writeFileSync(path.join(OUT, 'ATTRIBUTION.md'), ATTRIBUTION);
  const counts = {};
  for (const p of products) counts[p.category] = (counts[p.category] ?? 0) + 1;
  console.log(`${products.length} products, ${queries.length} queries -> ${OUT}`, counts);
}

const ATTRIBUTION = `# Demo catalog: image sources and licences

Everything here is generated by \`tools/demo-model/build.sh\` (script \`tools/demo-model/build-catalog.mjs\`).
Product data (titles, brands, prices, descriptions) is invented; names and tags come from Unicode CLDR via
emojibase-data (MIT, https://emojibase.dev).

## Chinese text (products.jsonl \`translations.zh\`, queries.zh.jsonl)
Titles, descriptions and queries in Simplified Chinese are the Unicode CLDR \`zh\` annotations (names and keywords)
of each product's emoji, via emojibase-data 17 (\`emojibase-data/zh/data.json\`, MIT License, Copyright (c) Miles
Johnson). CLDR data: Copyright © Unicode, Inc., Unicode License v3 (https://www.unicode.org/license.txt).

## images/ (product pictures)
- \`images/<name>.png\`: **Microsoft Fluent Emoji** (3D style), MIT License, Copyright (c) Microsoft Corporation,
  via the npm package \`@lobehub/fluent-emoji-3d\`; where Fluent has no picture, **Noto Emoji** (Google),
  Apache License 2.0, via \`emoji-datasource-google\`.
- \`images/<name>-2.png\` (second picture of some products): **Twemoji**, Copyright 2020 Twitter, Inc and other
  contributors, graphics licensed under CC-BY 4.0 (https://creativecommons.org/licenses/by/4.0/), via
  \`emoji-datasource-twitter\`.
All were composited on white and resized to 128x128 (palette PNG).

## queries/ (image queries for the evaluator)
- \`queries/<name>.png\`: **OpenMoji** – the open-source emoji and icon project, https://openmoji.org, License:
  CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/). Rendered from the npm package \`openmoji\`
  (colour SVGs), composited on white and resized to 128x128. These adapted images are shared under CC BY-SA 4.0 as
  well. OpenMoji is used for evaluation only: the demo model was never trained on it.
`;

if (process.argv.includes('--translations')) translationsOnly();
else await main();
