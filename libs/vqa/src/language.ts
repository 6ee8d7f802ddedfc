/** What {@link detectLanguage} found. */
export interface DetectedLanguage {
  /** ISO 639-1 code; `en` when nothing points elsewhere. */
  readonly code: string;
  /** Whether the evidence was clear (a script, or more function words of that language than of English). */
  readonly confident: boolean;
}

const SCRIPTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\p{Script=Han}/u, 'zh'],
  [/[\p{Script=Hiragana}\p{Script=Katakana}]/u, 'ja'],
  [/\p{Script=Hangul}/u, 'ko'],
  [/\p{Script=Cyrillic}/u, 'ru'],
  [/\p{Script=Arabic}/u, 'ar'],
  [/\p{Script=Greek}/u, 'el'],
  [/\p{Script=Hebrew}/u, 'he'],
  [/\p{Script=Devanagari}/u, 'hi'],
  [/\p{Script=Thai}/u, 'th'],
];

// Function words and question words common in short shopper questions. Words shared between languages count
// for each of them; English wins ties.
const WORDS: Readonly<Record<string, readonly string[]>> = {
  en: [
    'what',
    'which',
    'is',
    'it',
    'this',
    'that',
    'the',
    'a',
    'an',
    'does',
    'do',
    'have',
    'has',
    'of',
    'made',
    'colour',
    'color',
    'how',
    'much',
    'in',
    'are',
    'there',
    'with',
    'can',
    'for',
    'brand',
    'kind',
    'type',
    'stock',
    'material',
    'its',
    "it's",
    "what's",
    'cost',
    'price',
    'size',
    'any',
    'available',
    'who',
    'makes',
    'from',
  ],
  es: [
    'qué',
    'que',
    'cuál',
    'cual',
    'de',
    'es',
    'color',
    'el',
    'la',
    'los',
    'las',
    'un',
    'una',
    'tiene',
    'está',
    'hecho',
    'cuánto',
    'cuesta',
    'precio',
    'marca',
    'hay',
    'con',
    'y',
    'este',
    'esta',
    'material',
    'tipo',
  ],
  fr: [
    'quelle',
    'quel',
    'quoi',
    'est',
    'ce',
    "c'est",
    'le',
    'la',
    'les',
    'un',
    'une',
    'de',
    'du',
    'en',
    'il',
    'elle',
    'fait',
    'couleur',
    'combien',
    'coûte',
    'prix',
    'marque',
    'avec',
    'et',
    'qu',
    "qu'est-ce",
    'cette',
  ],
  de: [
    'welche',
    'welcher',
    'welches',
    'was',
    'ist',
    'es',
    'das',
    'der',
    'die',
    'hat',
    'aus',
    'ein',
    'eine',
    'wie',
    'viel',
    'kostet',
    'farbe',
    'marke',
    'preis',
    'mit',
    'und',
    'gibt',
    'dieser',
    'diese',
    'lager',
  ],
  it: [
    'che',
    'quale',
    'di',
    'il',
    'la',
    'è',
    'ha',
    'fatto',
    'colore',
    'quanto',
    'costa',
    'prezzo',
    'marca',
    'con',
    'questo',
    'questa',
    'un',
    'una',
  ],
  pt: [
    'que',
    'qual',
    'de',
    'é',
    'o',
    'a',
    'os',
    'tem',
    'feito',
    'cor',
    'quanto',
    'custa',
    'preço',
    'marca',
    'com',
    'este',
    'esta',
    'um',
    'uma',
    'do',
    'da',
  ],
  nl: [
    'welke',
    'wat',
    'is',
    'het',
    'de',
    'een',
    'heeft',
    'kleur',
    'hoeveel',
    'kost',
    'prijs',
    'merk',
    'met',
    'van',
    'gemaakt',
    'deze',
    'dit',
  ],
};

/**
 * The language of a short question, without a model: a non-Latin script decides at once; Latin-script text is
 * scored by the function words of English and six other European languages. Meant to route questions, not to
 * identify languages in general: a question with no function words ("red?") counts as English.
 */
export function detectLanguage(text: string): DetectedLanguage {
  const letters = [...text].filter((c) => /\p{L}/u.test(c));
  if (letters.length === 0) return { code: 'en', confident: false };
  for (const [re, code] of SCRIPTS) {
    const n = letters.filter((c) => re.test(c)).length;
    if (n / letters.length >= 0.3) return { code, confident: true };
  }
  const words = text
    .toLowerCase()
    .split(/[^\p{L}']+/u)
    .filter(Boolean);
  const scores = Object.fromEntries(
    Object.entries(WORDS).map(([code, list]) => [code, words.filter((w) => list.includes(w)).length]),
  );
  // Accented letters outside English are evidence too (¿, ñ, é, ü …).
  const marks = /[¿¡ñçãõàèéêëìíîïòóôöùúûüß]/u.test(text.toLowerCase());
  let best = 'en';
  for (const [code, score] of Object.entries(scores)) {
    if (code !== 'en' && score > (scores[best] ?? 0)) best = code;
  }
  if (best === 'en' && marks && (scores.en ?? 0) === 0) {
    return { code: 'und', confident: false };
  }
  return { code: best, confident: best !== 'en' || (scores.en ?? 0) > 0 };
}
