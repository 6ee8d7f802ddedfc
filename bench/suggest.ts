// GET /v1/suggest latency, as a search box calls it on every keystroke: autocannon at concurrency 1 and 16 against a
// running API, cycling through every prefix (1 to 8 characters) of the demo catalog's 482 text queries. It starts
// nothing: point it at an API that serves the catalog to measure (`npm start` seeds the demo catalog), with the
// rate limit off (RATE_LIMIT_PER_MINUTE=0) or the 429s are counted in the `non-2xx` column.
//
//   npm run bench:suggest -- --url http://127.0.0.1:3000 [--duration 10]
//
// bench/api.ts calls measureSuggest() on the API it boots.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { autocannon } from './support/autocannon';

const QUERIES = resolve(__dirname, '../data/demo-catalog/queries.jsonl');

/** One concurrency's figures (milliseconds, requests per second). */
export interface SuggestFigures {
  readonly connections: number;
  readonly p50: number;
  readonly p99: number;
  readonly average: number;
  readonly requestsPerSecond: number;
  /** Answers other than 200 (a rate limit left on, errors) and failed or timed-out requests. */
  readonly failed: number;
}

/** Every prefix a shopper types on the way to one of the demo queries, each once. */
export function keystrokePrefixes(maxLength = 8): string[] {
  const texts = readFileSync(QUERIES, 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => (JSON.parse(l) as { text?: string }).text)
    .filter((t): t is string => typeof t === 'string');
  const prefixes = new Set<string>();
  for (const t of texts) for (let n = 1; n <= Math.min(maxLength, t.length); n++) prefixes.add(t.slice(0, n));
  return [...prefixes].filter((p) => /[\p{L}\p{N}]/u.test(p));
}

/** Measures GET /v1/suggest on `baseUrl` at concurrency 1 and 16 after a short warm-up; prints and returns the figures. */
export async function measureSuggest(baseUrl: string, durationSeconds = 10): Promise<SuggestFigures[]> {
  const requests = keystrokePrefixes().map((q) => ({
    method: 'GET' as const,
    path: `/v1/suggest?q=${encodeURIComponent(q)}&limit=8`,
  }));
  await autocannon({ url: baseUrl, connections: 4, duration: 2, requests });
  const figures: SuggestFigures[] = [];
  for (const connections of [1, 16]) {
    const r = await autocannon({ url: baseUrl, connections, duration: durationSeconds, requests });
    const f: SuggestFigures = {
      connections,
      p50: r.latency.p50,
      p99: r.latency.p99,
      average: r.latency.average,
      requestsPerSecond: r.requests.average,
      failed: r.non2xx + r.errors + r.timeouts,
    };
    figures.push(f);
    console.log(
      `suggest, concurrency ${connections}: p50 ${f.p50} ms, p99 ${f.p99} ms, mean ${f.average.toFixed(2)} ms, ` +
        `${f.requestsPerSecond.toFixed(0)} req/s, non-2xx or failed ${f.failed}`,
    );
  }
  console.log(
    `(${requests.length} distinct prefixes of the demo queries, ${durationSeconds} s per concurrency)`,
  );
  return figures;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const url = arg('url');
  if (!url) {
    console.error('usage: npm run bench:suggest -- --url http://127.0.0.1:3000 [--duration 10]');
    process.exitCode = 2;
    return;
  }
  await measureSuggest(url.replace(/\/+$/, ''), Number(arg('duration') ?? '10'));
}

if (require.main === module) void main();
