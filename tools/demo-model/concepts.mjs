// Which emoji count as "product-like" concepts, and where each style's image lives.
// Shared by build-dataset.mjs and build-catalog.mjs so both see the same concept list.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const NM = path.join(HERE, 'node_modules');
const require = createRequire(import.meta.url);

/** Subgroups taken whole (emojibase subgroup keys). */
const FULL = new Set([
  'food-fruit',
  'food-vegetable',
  'food-prepared',
  'food-asian',
  'food-marine',
  'food-sweet',
  'drink',
  'dishware',
  'award-medal',
  'sport',
  'game',
  'arts-crafts',
  'clothing',
  'musical-instrument',
  'phone',
  'computer',
  'light-video',
  'book-paper',
  'writing',
  'office',
  'lock',
  'tool',
  'science',
  'medical',
  'household',
  'mail',
  'plant-flower',
  'hotel',
]);

/** Subgroups of which only these labels look like something a shop sells. */
const PARTIAL = {
  time: [
    'hourglass done',
    'hourglass not done',
    'watch',
    'alarm clock',
    'stopwatch',
    'timer clock',
    'mantelpiece clock',
  ],
  'sky-weather': ['thermometer', 'closed umbrella', 'umbrella', 'umbrella on ground'],
  'transport-ground': [
    'bicycle',
    'kick scooter',
    'skateboard',
    'roller skate',
    'motor scooter',
    'motorcycle',
    'automobile',
    'racing car',
    'pickup truck',
    'manual wheelchair',
    'motorized wheelchair',
    'oil drum',
    'wheel',
  ],
  'transport-water': ['anchor', 'ring buoy', 'sailboat', 'canoe', 'speedboat'],
  'transport-air': ['parachute', 'seat', 'airplane', 'helicopter', 'rocket'],
  event: [
    'jack-o-lantern',
    'Christmas tree',
    'fireworks',
    'sparkler',
    'firecracker',
    'balloon',
    'party popper',
    'confetti ball',
    'ribbon',
    'wrapped gift',
    'admission tickets',
    'ticket',
    'Japanese dolls',
    'wind chime',
    'red envelope',
    'pine decoration',
    'carp streamer',
  ],
  money: ['coin', 'money bag', 'credit card', 'receipt', 'treasure chest'],
  sound: ['loudspeaker', 'megaphone', 'postal horn', 'bell'],
  'other-object': ['placard', 'identification card', 'nazar amulet', 'hamsa'],
  'plant-other': [
    'seedling',
    'potted plant',
    'cactus',
    'herb',
    'mushroom',
    'evergreen tree',
    'palm tree',
    'sheaf of rice',
    'four leaf clover',
    'brown mushroom',
  ],
};

/** Near-duplicates of another kept concept (same picture, different wording): they only add label noise. */
const DROP = new Set([
  'magnifying glass tilted right',
  'mobile phone with arrow',
  'incoming envelope',
  'envelope with arrow',
  'e-mail',
  'closed mailbox with lowered flag',
  'open mailbox with raised flag',
  'open mailbox with lowered flag',
  'green book',
  'blue book',
  'orange book',
  'ballot box with ballot',
  'chart increasing with yen',
  'hourglass not done',
  'umbrella with rain drops',
  'bookmark tabs',
  'card index dividers',
  'spiral notepad',
  'spiral calendar',
  'tear-off calendar',
  'chart increasing',
  'chart decreasing',
  'bar chart',
  'broken chain',
  // not something a shop sells
  'bomb',
  'drop of blood',
  'dna',
  'low battery',
  'funeral urn',
]);

/** Training styles (licence in MODEL_CARD.md) and the evaluation-only style. */
export const STYLES = {
  google: { dir: 'emoji-datasource-google/img/google/64', ext: 'png', train: true },
  twitter: { dir: 'emoji-datasource-twitter/img/twitter/64', ext: 'png', train: true },
  'fluent-flat': { dir: '@lobehub/fluent-emoji-flat/assets', ext: 'svg', train: true },
  'fluent-3d': { dir: '@lobehub/fluent-emoji-3d/assets', ext: 'webp', train: true },
  openmoji: { dir: 'openmoji/color/svg', ext: 'svg', train: false }, // CC-BY-SA-4.0: evaluation only
};

function fileIndex(dir) {
  const m = new Map();
  for (const f of fs.readdirSync(path.join(NM, dir))) m.set(f.replace(/\.\w+$/, '').toLowerCase(), f);
  return m;
}

/** Finds a style's file for an emojibase hexcode (vendors disagree on keeping FE0F). */
function resolve(index, hexcode) {
  const h = hexcode.toLowerCase();
  for (const k of [h, h.replace(/-fe0f/g, ''), `${h}-fe0f`]) if (index.has(k)) return index.get(k);
  return null;
}

export function slug(label) {
  return label
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[’']/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Returns the concept list, sorted by emojibase order (deterministic). */
export function loadConcepts() {
  const data = require(path.join(NM, 'emojibase-data/en/data.json'));
  const messages = require(path.join(NM, 'emojibase-data/en/messages.json'));
  const shortcodes = require(path.join(NM, 'emojibase-data/en/shortcodes/emojibase.json'));
  const subgroupKey = Object.fromEntries(messages.subgroups.map((s) => [s.order, s.key]));
  const groupKey = Object.fromEntries(messages.groups.map((g) => [g.order, g.key]));
  const indexes = Object.fromEntries(Object.entries(STYLES).map(([s, v]) => [s, fileIndex(v.dir)]));
  const out = [];
  for (const e of [...data].sort((a, b) => a.order - b.order)) {
    const sg = subgroupKey[e.subgroup];
    const keep = FULL.has(sg) || (PARTIAL[sg] && PARTIAL[sg].includes(e.label));
    if (!keep || DROP.has(e.label)) continue;
    const files = {};
    for (const s of Object.keys(STYLES)) {
      const f = resolve(indexes[s], e.hexcode);
      if (f) files[s] = path.join(STYLES[s].dir, f);
    }
    const nTrain = Object.keys(files).filter((s) => STYLES[s].train).length;
    if (nTrain < 2) continue; // too few pictures to learn the concept from
    let sc = shortcodes[e.hexcode] ?? [];
    if (typeof sc === 'string') sc = [sc];
    out.push({
      concept: slug(e.label),
      hexcode: e.hexcode,
      emoji: e.emoji,
      label: e.label,
      tags: e.tags ?? [],
      shortcodes: sc.map((s) => s.replace(/_/g, ' ')),
      group: groupKey[e.group],
      subgroup: sg,
      files,
    });
  }
  return out;
}
