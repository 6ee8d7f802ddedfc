import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageSearchRequest, SearchPage, SearchService, TextSearchRequest } from '@vitrine/search';
import { evaluateSearch, readEvalQueries } from './evaluation';

describe('readEvalQueries', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vitrine-evalq-'));

  it('reads text and image queries, resolving image paths against the file', async () => {
    const file = join(dir, 'q.jsonl');
    writeFileSync(
      file,
      [
        '{"id":"t1","text":"running shoe","relevant":["SKU-1"]}',
        '',
        '{"id":"i1","image":"queries/shoe.png","relevant":["SKU-1","SKU-2"],"filters":{"inStock":true}}',
      ].join('\n'),
    );
    expect(await readEvalQueries(file)).toEqual([
      { id: 't1', text: 'running shoe', relevant: ['SKU-1'], lang: 'en' },
      {
        id: 'i1',
        image: join(dir, 'queries/shoe.png'),
        relevant: ['SKU-1', 'SKU-2'],
        filters: { inStock: true },
        lang: 'en',
      },
    ]);
  });

  it('keeps the language a query states (en when it states none) and refuses one that is no language tag', async () => {
    const file = join(dir, 'zh.jsonl');
    writeFileSync(
      file,
      [
        '{"id":"z1","text":"红色的鞋","relevant":["SKU-1"],"lang":"zh"}',
        '{"id":"z2","text":"鞋","relevant":["SKU-1"],"lang":"zh-Hans"}',
      ].join('\n'),
    );
    expect((await readEvalQueries(file)).map((q) => q.lang)).toEqual(['zh', 'zh-Hans']);
    writeFileSync(file, '{"id":"z1","text":"鞋","relevant":["SKU-1"],"lang":"Chinese!"}\n');
    await expect(readEvalQueries(file)).rejects.toThrow(/line 1: lang: a language tag such as "en" or "zh"/);
  });

  it('names every bad line', async () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(
      file,
      [
        '{"id":"a","relevant":["x"]}',
        'not json',
        '{"id":"b","text":"t","image":"i","relevant":["x"]}',
        '{"id":"c","text":"t","relevant":[]}',
      ].join('\n'),
    );
    await expect(readEvalQueries(file)).rejects.toThrow(
      /4 bad query line\(s\):\nline 1: .*exactly one.*\nline 2: .*\nline 3: .*exactly one.*\nline 4: relevant/s,
    );
    await expect(readEvalQueries(file)).rejects.toThrow(/\nline 2: .*\(at column 1\)\n/);
  });
});

describe('evaluateSearch', () => {
  // A search that returns SKUs S0..S(n-1) in order, 100 per page, so the relevant SKU's rank is known.
  const catalogSize = 250;
  const calls: string[] = [];
  const search = {
    searchText: (r: TextSearchRequest) => Promise.resolve(page(r.cursor, r.limit ?? 20, `text:${r.query}`)),
    searchImage: (r: ImageSearchRequest) => Promise.resolve(page(r.cursor, r.limit ?? 20, 'image')),
  } as unknown as SearchService;
  function page(cursor: string | undefined, limit: number, what: string): SearchPage {
    calls.push(`${what}@${cursor ?? 0}`);
    const offset = Number(cursor ?? 0);
    const skus = Array.from({ length: Math.min(limit, catalogSize - offset) }, (_, i) => `S${offset + i}`);
    const next = offset + skus.length < catalogSize ? String(offset + skus.length) : null;
    return {
      queryId: 'q',
      total: catalogSize,
      totalRelation: 'eq',
      items: skus.map((sku) => ({ sku }) as SearchPage['items'][number]),
      nextCursor: next,
      reranker: 'none',
    };
  }

  it('pages each ranking to the depth and splits metrics by query kind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vitrine-eval-'));
    writeFileSync(join(dir, 'q.png'), Buffer.from([1]));
    const report = await evaluateSearch(
      search,
      [
        { id: 'a', text: 'first', relevant: ['S0'] },
        { id: 'b', text: 'deep', relevant: ['S150'] },
        { id: 'c', text: 'beyond depth', relevant: ['S240'] },
        { id: 'd', image: join(dir, 'q.png'), relevant: ['S4'] },
      ],
      { depth: 200 },
    );
    expect(calls.filter((c) => c.startsWith('text:deep'))).toEqual(['text:deep@0', 'text:deep@100']);
    expect(report.text).toMatchObject({ n: 3, 'R@1': 1 / 3, MedR: 151, MeanR: (1 + 151 + 201) / 3 });
    expect(report.image).toMatchObject({ n: 1, 'R@1': 0, 'R@5': 1, MedR: 5 });
    // Each query's ranking and first relevant rank are kept for reports, a miss as null.
    expect(report.outcomes.map((o) => [o.query.id, o.kind, o.lang, o.rank, o.ranking.length])).toEqual([
      ['a', 'text', 'en', 1, 200],
      ['b', 'text', 'en', 151, 200],
      ['c', 'text', 'en', null, 200],
      ['d', 'image', 'en', 5, 200],
    ]);
    expect(Object.keys(report.byLang)).toEqual(['en']);
    expect(report.byLang.en!.text).toEqual(report.text);
  });
});
