/**
 * Tokens coco-caption drops after Stanford's PTBTokenizer (`pycocoevalcap/tokenizer/ptbtokenizer.py`). Brackets
 * and quotes are in the list in their PTB spellings (-LRB-, ``, ''); here they are never produced at all.
 */
const PUNCTUATION = new Set(["''", "'", '``', '`', '.', '?', '!', ',', ':', '-', '--', '...', ';']);

/** Abbreviations PTB keeps whole with their period (a sentence-final period is still split off the last word). */
const ABBREVIATIONS = new Set([
  'mr.',
  'mrs.',
  'ms.',
  'dr.',
  'prof.',
  'st.',
  'jr.',
  'sr.',
  'vs.',
  'etc.',
  'inc.',
  'ltd.',
  'co.',
  'corp.',
  'no.',
  'approx.',
  'e.g.',
  'i.e.',
]);

const CONTRACTION = /^(.+?)(n't|'s|'m|'re|'ve|'ll|'d)$/;

/**
 * The tokenisation coco-caption applies before every metric: lower-case PTB tokens with punctuation removed,
 * joined by single spaces. An approximation of Stanford CoreNLP 3.4.1's PTBTokenizer (Java, not available to a
 * Node service) for the cases product text has: punctuation split off words and dropped, brackets and quotes
 * dropped, contractions and possessives split (`don't` → `do n't`, `shop's` → `shop 's`), `$`/`#` split before
 * and `%` after numbers, hyphenated words and decimal numbers (`12.90`) kept whole, a few abbreviations kept.
 */
export function ptbTokenize(text: string): string {
  const out: string[] = [];
  const chunks = text
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/\u2026/g, '...')
    .replace(/[\u2013\u2014]/g, ' -- ')
    .split(/\s+/);
  for (const chunk of chunks) {
    if (chunk !== '') tokenizeChunk(chunk, out);
  }
  return out.filter((t) => !PUNCTUATION.has(t)).join(' ');
}

function tokenizeChunk(raw: string, out: string[]): void {
  // Brackets, double quotes, and separators PTB always splits (then drops or keeps as their own token).
  const parts = raw.split(/([()[\]{}"]|--|\.\.\.|[,;!?:](?!\d))/).filter((p) => p !== '');
  for (const part of parts) {
    if (/^[()[\]{}"]$/.test(part)) continue;
    if (PUNCTUATION.has(part)) {
      out.push(part);
      continue;
    }
    word(part, out);
  }
}

function word(w: string, out: string[]): void {
  let s = w;
  const before: string[] = [];
  const after: string[] = [];
  // Leading quotes/backquotes and currency or hash signs.
  for (;;) {
    const lead = /^([`'$#])(.+)$/.exec(s);
    if (!lead || (lead[1] === "'" && /^'(s|m|re|ve|ll|d)$/.test(s))) break;
    before.push(lead[1]!);
    s = lead[2]!;
  }
  // Trailing quotes, a sentence period (not of an abbreviation or an initialism like u.s.), a percent sign.
  for (;;) {
    if (s.length > 1 && (s.endsWith("'") || s.endsWith('`')) && !/^[a-z]+s'$/.test(s)) {
      after.unshift(s.slice(-1));
      s = s.slice(0, -1);
    } else if (s.length > 1 && s.endsWith('%')) {
      after.unshift('%');
      s = s.slice(0, -1);
    } else if (s.length > 1 && s.endsWith('.') && !ABBREVIATIONS.has(s) && !/^([a-z]\.)+$/.test(s)) {
      after.unshift('.');
      s = s.slice(0, -1);
    } else break;
  }
  out.push(...before);
  const possessivePlural = /^([a-z]+s)'$/.exec(s);
  const contraction = CONTRACTION.exec(s);
  if (possessivePlural) out.push(possessivePlural[1]!, "'");
  else if (s === "can't") out.push('ca', "n't");
  else if (s === "won't") out.push('wo', "n't");
  else if (contraction && /[a-z0-9]$/.test(contraction[1]!) && !contraction[1]!.endsWith("'"))
    out.push(contraction[1]!, contraction[2]!);
  else if (s !== '') out.push(s);
  out.push(...after);
}
