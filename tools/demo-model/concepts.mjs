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

/** Training styles (licence in MODEL_CARD.md, see LICENCES below) and the evaluation-only style. `extra` styles
 * come from Iconify JSON sets (named by CLDR-name slug, not by code point): they add pictures to the concepts the
 * four base styles define, and never decide which concepts exist (build-catalog.mjs sees the same list as before). */
export const STYLES = {
  google: { dir: 'emoji-datasource-google/img/google/64', ext: 'png', train: true },
  twitter: { dir: 'emoji-datasource-twitter/img/twitter/64', ext: 'png', train: true },
  'fluent-flat': { dir: '@lobehub/fluent-emoji-flat/assets', ext: 'svg', train: true },
  'fluent-3d': { dir: '@lobehub/fluent-emoji-3d/assets', ext: 'webp', train: true },
  emojione: { iconify: 'emojione', train: true, extra: true },
  'noto-v1': { iconify: 'noto-v1', train: true, extra: true },
  'fluent-hc': { iconify: 'fluent-emoji-high-contrast', train: true, extra: true },
  fxemoji: { iconify: 'fxemoji', train: true, extra: true },
  streamline: { iconify: 'streamline-emojis', train: true, extra: true },
  openmoji: { dir: 'openmoji/color/svg', ext: 'svg', train: false }, // CC-BY-SA-4.0: evaluation only
};

/** Licence of every picture set (npm package@version as locked in package-lock.json); model_card.py prints it.
 * Checked and left out: @iconify-json/emojione-v1 (CC-BY-SA-4.0), @svgmoji/openmoji and anything else derived from
 * OpenMoji (the unseen-style dev set), @svgmoji/blob (package MIT, but the Blobmoji art is under its own licence
 * and the sprite format needs its own reader), @iconify-json/twemoji, noto and fluent-emoji(-flat) (the same
 * drawings as styles already used). */
export const LICENCES = {
  google: ['emoji-datasource-google', 'Apache-2.0 (Noto Emoji, Google)'],
  twitter: ['emoji-datasource-twitter', 'CC-BY-4.0 — Copyright 2020 Twitter, Inc and other contributors; graphics licensed under CC-BY 4.0 (https://creativecommons.org/licenses/by/4.0/)'],
  'fluent-flat': ['@lobehub/fluent-emoji-flat', 'MIT, Copyright (c) Microsoft Corporation'],
  'fluent-3d': ['@lobehub/fluent-emoji-3d', 'MIT, Copyright (c) Microsoft Corporation'],
  emojione: ['@iconify-json/emojione', 'CC-BY-4.0 — Emoji One (https://github.com/EmojiTwo/emojitwo), https://creativecommons.org/licenses/by/4.0/'],
  'noto-v1': ['@iconify-json/noto-v1', 'Apache-2.0 — Google Inc, https://github.com/googlefonts/noto-emoji/blob/main/svg/LICENSE'],
  'fluent-hc': ['@iconify-json/fluent-emoji-high-contrast', 'MIT — Microsoft Corporation, https://github.com/microsoft/fluentui-emoji/blob/main/LICENSE'],
  fxemoji: ['@iconify-json/fxemoji', 'Apache-2.0 — Mozilla, https://mozilla.github.io/fxemoji/LICENSE.md'],
  streamline: ['@iconify-json/streamline-emojis', 'CC-BY-4.0 — Streamline (https://github.com/webalys-hq/streamline-vectors), https://creativecommons.org/licenses/by/4.0/'],
  openmoji: ['openmoji', 'CC-BY-SA-4.0, https://openmoji.org — evaluation only, never trained on'],
};

/** An Iconify JSON set: name -> SVG source (aliases resolved; `currentColor` drawn black). */
export function iconifySet(name) {
  const j = require(path.join(NM, '@iconify-json', name, 'icons.json'));
  const svg = (icon) => {
    const w = icon.width ?? j.width ?? 16;
    const h = icon.height ?? j.height ?? 16;
    const body = icon.body.replace(/currentColor/g, '#000000');
    return `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${w}" height="${h}" viewBox="${icon.left ?? 0} ${icon.top ?? 0} ${w} ${h}">${body}</svg>`;
  };
  const m = new Map();
  for (const [k, icon] of Object.entries(j.icons)) m.set(k, () => svg(icon));
  for (const [k, a] of Object.entries(j.aliases ?? {})) {
    const parent = j.icons[a.parent];
    if (parent && !a.rotate && !a.hFlip && !a.vFlip) m.set(k, () => svg({ ...parent, ...a }));
  }
  return m;
}

/** Iconify sets name emoji by the slug of the CLDR name ('red-apple'), some with '-1' variants or no dashes. */
function resolveIconify(set, concept) {
  for (const k of [concept, `${concept}-1`, concept.replace(/-/g, '')]) if (set.has(k)) return k;
  return null;
}

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
  const indexes = Object.fromEntries(
    Object.entries(STYLES).map(([s, v]) => [s, v.iconify ? iconifySet(v.iconify) : fileIndex(v.dir)]),
  );
  const out = [];
  for (const e of [...data].sort((a, b) => a.order - b.order)) {
    const sg = subgroupKey[e.subgroup];
    const keep = FULL.has(sg) || (PARTIAL[sg] && PARTIAL[sg].includes(e.label));
    if (!keep || DROP.has(e.label)) continue;
    const files = {};
    for (const s of Object.keys(STYLES)) {
      if (STYLES[s].iconify) continue;
      const f = resolve(indexes[s], e.hexcode);
      if (f) files[s] = path.join(STYLES[s].dir, f);
    }
    const nTrain = Object.keys(files).filter((s) => STYLES[s].train).length; // base styles only
    for (const s of Object.keys(STYLES)) {
      if (!STYLES[s].iconify) continue;
      const k = resolveIconify(indexes[s], slug(e.label));
      if (k) files[s] = `iconify:${STYLES[s].iconify}:${k}`;
    }
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
