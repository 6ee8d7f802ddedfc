/**
 * A fixed set of queries no shop product answers, for calibrating the relevance cutoff: random letter strings,
 * keyboard mashes and words from other domains. Deterministic (seeded), so every calibration sees the same set.
 */
export function nonsenseQueries(count = 200): string[] {
  let seed = 0x5eed1e55;
  const rand = (): number => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const word = (min: number, max: number): string =>
    Array.from({ length: min + Math.floor(rand() * (max - min + 1)) }, () => pick([...letters])).join('');
  const rows = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm', '1234567890'];
  const mash = (): string => {
    const row = pick(rows);
    const start = Math.floor(rand() * (row.length - 3));
    return row.slice(start, start + 3 + Math.floor(rand() * (row.length - start - 3 + 1)));
  };
  const out = new Set<string>(OTHER_DOMAINS.slice(0, Math.floor(count * 0.3)));
  while (out.size < Math.floor(count * 0.65))
    out.add(rand() < 0.5 ? word(4, 10) : `${word(3, 7)} ${word(3, 7)}`);
  while (out.size < count) out.add(rand() < 0.6 ? mash() : `${mash()} ${mash()}`);
  return [...out];
}

/** Phrases from domains a product catalog does not sell in (finance, law, software, medicine, ...). */
const OTHER_DOMAINS: readonly string[] = [
  'mortgage refinance rate',
  'capital gains tax',
  'quarterly earnings report',
  'habeas corpus',
  'tort liability',
  'kubernetes pod eviction',
  'segmentation fault core dumped',
  'null pointer exception',
  'appendectomy recovery',
  'cholesterol statin dosage',
  'photosynthesis equation',
  'mitochondrial dna',
  'quantum entanglement',
  'byzantine fault tolerance',
  'dividend yield',
  'probate court',
  'stochastic gradient descent',
  'parliamentary procedure',
  'epistemology',
  'hegelian dialectic',
  'carbon credit offset',
  'tectonic subduction zone',
  'treaty of westphalia',
  'renal failure symptoms',
  'actuarial tables',
  'regex lookbehind',
  'thermodynamics second law',
  'gerrymandering',
  'visa application deadline',
  'inflation adjusted bond',
  'lambda calculus',
  'municipal zoning ordinance',
  'orbital mechanics',
  'insurance deductible',
  'sovereign debt crisis',
  'phoneme allophone',
  'cryptographic nonce',
  'fiduciary duty',
  'plate tectonics',
  'bankruptcy chapter eleven',
  'linear regression residuals',
  'vaccine efficacy trial',
  'subpoena',
  'amortization schedule',
  'semiconductor lithography',
  'monetary policy',
  'neural pathway',
  'compiler optimization pass',
  'jurisprudence',
  'geopolitical tension',
  'password reset',
  'flight delay compensation',
  'parking ticket appeal',
  'wifi router firmware',
  'divorce lawyer',
  'tax audit',
  'election results',
  'weather forecast tomorrow',
  'stock market crash',
  'job interview tips',
];
