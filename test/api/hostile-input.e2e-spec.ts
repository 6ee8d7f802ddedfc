import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { CATALOG_DATABASE, CatalogImportService, type CatalogDatabase } from '@vitrine/catalog';
import { IndexingScheduler } from '@vitrine/indexing';
import { PRODUCTS_ALIAS, VECTOR_STORE, collectionNameFor, type VectorStore } from '@vitrine/vectors';
import { waitForIdle } from '../support/queue-idle';
import { DEMO_DIR, startApiApp, type ApiTestApp } from './api-app';

/**
 * Hostile input through HTTP, in embedded mode (PGlite, in-process queue) and on PostgreSQL with Redis, each on a
 * small indexed catalog (embedded vector store): every request below must be refused with a 4xx in the one error
 * shape, and after each one an ordinary search still answers 200 with results and /readyz says ready. The last part
 * breaks the catalog and the live collection on purpose and checks that /readyz stops saying ready while searches
 * fail, and recovers with them.
 */

const KEY = 'hostile-suite-admin-key-0123456789abcdef';
const NIL = '00000000-0000-0000-0000-000000000000';
/** Words of the first demo product ("Fresh Bouquet"): an ordinary search that must keep finding it. */
const ORDINARY_QUERY = 'fresh bouquet';
const PRODUCTS = 24;

interface Attempt {
  readonly label: string;
  readonly send: () => request.Test;
  readonly status: number;
  readonly code: string;
  /** What the message must say (the field it names, the limit). */
  readonly message?: RegExp;
}

/** Embedded mode (PGlite behind pglite-socket, in-process queue) and PostgreSQL with Redis (BullMQ). */
const MODES: readonly [string, Record<string, string>][] = [
  ['embedded: PGlite, in-process queue', { DATABASE_URL: '', REDIS_URL: '' }],
  ['PostgreSQL and Redis', {}],
];

describe.each(MODES)('hostile input through HTTP (%s)', (mode, modeEnv) => {
  let t: ApiTestApp;
  let catalogDir: string;
  let id: string;
  const png = readFileSync(join(DEMO_DIR, 'queries/red-apple.png'));
  const tried = new Set<string>();
  let requests = 0;

  beforeAll(async () => {
    t = await startApiApp({
      env: {
        ...modeEnv,
        ADMIN_API_KEYS: KEY,
        RATE_LIMIT_PER_MINUTE: '1000000',
        IMAGE_MAX_BYTES: String(256 * 1024),
      },
    });
    // A small slice of the demo catalog, pictures included, imported and indexed as `vitrine catalog import` does.
    catalogDir = mkdtempSync(join(tmpdir(), 'vitrine-hostile-'));
    mkdirSync(join(catalogDir, 'images'));
    const lines = readFileSync(join(DEMO_DIR, 'products.jsonl'), 'utf8').split('\n').slice(0, PRODUCTS);
    for (const line of lines) {
      for (const image of (JSON.parse(line) as { images: string[] }).images)
        copyFileSync(join(DEMO_DIR, image), join(catalogDir, image));
    }
    writeFileSync(join(catalogDir, 'products.jsonl'), `${lines.join('\n')}\n`);
    const scheduler = t.app.get(IndexingScheduler);
    await t.app.get(CatalogImportService).importFile(join(catalogDir, 'products.jsonl'), {
      onBatch: async (batch) => void (await scheduler.productsChanged(batch.changed)),
    });
    await waitForIdle(t.queue, 120_000);
    const found = await request(t.server).post('/v1/search/text').send({ query: ORDINARY_QUERY }).expect(200);
    id = (found.body as { items: { id: string }[] }).items[0]!.id;
  }, 240_000);

  afterAll(async () => {
    console.log(`hostile input (${mode}): ${tried.size} classes, ${requests} requests tried`);
    await t?.close();
    if (catalogDir) rmSync(catalogDir, { recursive: true, force: true });
  });

  /** After every hostile request: ordinary searches still answer with results, and /readyz says ready. */
  const stillServing = async (label: string) => {
    const search = await request(t.server).post('/v1/search/text').send({ query: ORDINARY_QUERY });
    expect({ label, status: search.status, found: search.body?.items?.length > 0 }).toEqual({
      label,
      status: 200,
      found: true,
    });
    const ready = await request(t.server).get('/readyz');
    expect({ label, ready: ready.status, status: ready.body?.status }).toEqual({
      label,
      ready: 200,
      status: 'ok',
    });
  };

  const text = (body: unknown) =>
    request(t.server)
      .post('/v1/search/text')
      .send(body as object);
  const json = (method: 'post' | 'get' | 'delete', path: string, body?: unknown, admin = false) => {
    let r = request(t.server)[method](path);
    if (admin) r = r.set('X-Api-Key', KEY);
    return body === undefined ? r : r.send(body as object);
  };
  const admin = (path: string, body: unknown) => json('post', path, body, true);
  const product = (changes: Record<string, unknown>) =>
    admin('/v1/admin/products', {
      sku: 'HOSTILE-1',
      title: 'Hostile mug',
      images: ['https://images.example.com/mug.jpg'],
      ...changes,
    });
  const imageForm = (fields: Record<string, string>) => {
    let r = request(t.server).post('/v1/search/image');
    for (const [k, v] of Object.entries(fields)) r = r.field(k, v);
    return r.attach('image', png, 'apple.png');
  };
  const raw = (
    path: string,
    contentType: string,
    payload: string | Buffer,
    headers: Record<string, string> = {},
  ) => {
    let r = request(t.server).post(path).set('Content-Type', contentType);
    for (const [k, v] of Object.entries(headers)) r = r.set(k, v);
    // Bytes as they are: superagent would otherwise serialise a Buffer as JSON.
    return typeof payload === 'string'
      ? r.send(payload)
      : r.serialize(() => payload as unknown as string).send(payload);
  };

  const refused = (
    label: string,
    send: () => request.Test,
    status: number,
    code: string,
    message?: RegExp,
  ) => ({
    label,
    send,
    status,
    code,
    ...(message ? { message } : {}),
  });
  const bad = (label: string, send: () => request.Test, field: string) =>
    refused(label, send, 400, 'VALIDATION_FAILED', new RegExp(field.replace(/[.[\]]/g, '\\$&')));

  /** Every text field of every route, with `evil` in it. */
  const everyTextField = (evil: string, name: string): Attempt[] => [
    bad(`${name} in the text query`, () => text({ query: `red${evil}apple` }), 'query'),
    bad(
      `${name} in a category filter`,
      () => text({ query: 'a', filters: { category: [`Gar${evil}den`] } }),
      'filters.category',
    ),
    bad(
      `${name} in a brand filter`,
      () => text({ query: 'a', filters: { brand: `Ac${evil}me` } }),
      'filters.brand',
    ),
    bad(
      `${name} in the currency filter`,
      () => text({ query: 'a', filters: { currency: `EU${evil}` } }),
      'filters.currency',
    ),
    bad(
      `${name} in an attribute value`,
      () => text({ query: 'a', filters: { attributes: { colour: `re${evil}d` } } }),
      'filters.attributes.colour',
    ),
    bad(
      `${name} in an attribute key`,
      () => text({ query: 'a', filters: { attributes: { [`co${evil}l`]: 'red' } } }),
      'filters.attributes',
    ),
    bad(`${name} in the cursor`, () => text({ query: 'a', cursor: `abc${evil}` }), 'cursor'),
    bad(
      `${name} in imageUrl`,
      () => json('post', '/v1/search/image', { imageUrl: `https://example.com/${evil}.png` }),
      'imageUrl',
    ),
    bad(`${name} in an image search's query`, () => imageForm({ query: `in ${evil}red` }), 'query'),
    bad(
      `${name} in an image search's form filters`,
      () => imageForm({ filters: `{"brand":"a${evil}"}` }),
      'filters',
    ),
    bad(
      `${name} JSON-escaped in form filters`,
      () => imageForm({ filters: JSON.stringify({ brand: `a${evil}` }) }),
      'filters.brand',
    ),
    bad(
      `${name} in a similar search's cursor`,
      () => json('get', `/v1/products/${id}/similar?cursor=a${encodeURIComponent(evil)}`),
      'cursor',
    ),
    bad(
      `${name} in a similar search's filters`,
      () =>
        json(
          'get',
          `/v1/products/${id}/similar?filters=${encodeURIComponent(JSON.stringify({ brand: `a${evil}` }))}`,
        ),
      'filters.brand',
    ),
    bad(
      `${name} in a product id (similar)`,
      () => json('get', `/v1/products/${id}${encodeURIComponent(evil)}/similar`),
      'id',
    ),
    bad(
      `${name} in a product id (image)`,
      () => json('get', `/v1/products/${id}${encodeURIComponent(evil)}/images/0`),
      'id',
    ),
    bad(
      `${name} in a product id (attributes)`,
      () => json('get', `/v1/products/${encodeURIComponent(evil)}${id}/attributes`),
      'id',
    ),
    bad(
      `${name} in a product id (ask)`,
      () => json('post', `/v1/products/${id}${encodeURIComponent(evil)}/ask`, { question: 'colour?' }),
      'id',
    ),
    bad(
      `${name} in a question`,
      () => json('post', `/v1/products/${id}/ask`, { question: `what${evil} colour?` }),
      'question',
    ),
    bad(
      `${name} in a picture question`,
      () =>
        request(t.server)
          .post('/v1/vqa')
          .field('question', `is it${evil} red?`)
          .attach('image', png, 'a.png'),
      'question',
    ),
    bad(
      `${name} in a description style`,
      () => admin(`/v1/products/${id}/description`, { style: `short${evil}` }),
      'style',
    ),
    bad(`${name} in an admin SKU`, () => product({ sku: `MUG${evil}1` }), 'sku'),
    bad(`${name} in an admin title`, () => product({ title: `Red${evil} mug` }), 'title'),
    bad(`${name} in an admin description`, () => product({ description: `Nice${evil}` }), 'description'),
    bad(`${name} in an admin brand`, () => product({ brand: `Ac${evil}me` }), 'brand'),
    bad(`${name} in an admin category`, () => product({ category: `Kit${evil}chen` }), 'category'),
    bad(
      `${name} in an admin price amount`,
      () => product({ price: { amount: `1${evil}2`, currency: 'EUR' } }),
      'price.amount',
    ),
    bad(
      `${name} in an admin price currency`,
      () => product({ price: { amount: '12', currency: `EU${evil}` } }),
      'price.currency',
    ),
    bad(
      `${name} in an admin image URL`,
      () => product({ images: [`https://images.example.com/${evil}.jpg`] }),
      'images[0]',
    ),
    bad(
      `${name} in an admin attribute`,
      () => product({ attributes: { colour: { shade: `re${evil}d` } } }),
      'attributes.colour.shade',
    ),
    bad(
      `${name} in an admin id (delete)`,
      () => json('delete', `/v1/admin/products/${id}${encodeURIComponent(evil)}`, undefined, true),
      'id',
    ),
    bad(
      `${name} in a job id`,
      () => json('get', `/v1/admin/jobs/reindex${encodeURIComponent(evil)}`, undefined, true),
      'id',
    ),
    bad(
      `${name} in a review note`,
      () => admin(`/v1/admin/descriptions/${NIL}/approve`, { note: `ok${evil}` }),
      'note',
    ),
    bad(
      `${name} in a generate-missing style`,
      () => admin('/v1/admin/descriptions/generate-missing', { style: `short${evil}` }),
      'style',
    ),
  ];

  const deep = (levels: number, leaf: unknown = 1): unknown => {
    let v = leaf;
    for (let i = 0; i < levels; i++) v = { a: v };
    return v;
  };
  const manyKeys = (n: number, prefix = 'k') =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 1]));

  const CLASSES: Record<string, () => Attempt[]> = {
    'NUL in every text field': () => everyTextField('\u0000', 'NUL'),
    'other control characters (ESC, BEL, backspace, DEL, C1) in every text field': () => [
      ...everyTextField('\u001b[2J', 'ESC'),
      ...everyTextField('\u0007', 'BEL').slice(0, 8),
      ...everyTextField('\u0008', 'backspace').slice(20),
      ...everyTextField('\u007f', 'DEL').slice(0, 4),
      ...everyTextField('\u009b', 'C1 CSI').slice(0, 4),
    ],
    'huge, negative and non-integer numbers in every numeric parameter': () => [
      refused(
        'image position 2^31',
        () => json('get', `/v1/products/${id}/images/2147483648`),
        404,
        'NOT_FOUND',
        /position must be an integer from 0 to 31/,
      ),
      refused('image position -1', () => json('get', `/v1/products/${id}/images/-1`), 404, 'NOT_FOUND'),
      refused(
        'image position 10^20',
        () => json('get', `/v1/products/${id}/images/100000000000000000000`),
        404,
        'NOT_FOUND',
      ),
      refused('image position 1e3', () => json('get', `/v1/products/${id}/images/1e3`), 404, 'NOT_FOUND'),
      refused(
        'image position one past the last',
        () => json('get', `/v1/products/${id}/images/32`),
        404,
        'NOT_FOUND',
      ),
      bad('limit 2^31', () => text({ query: 'a', limit: 2 ** 31 }), 'limit'),
      bad('limit 1e308', () => text({ query: 'a', limit: 1e308 }), 'limit'),
      bad('limit -2^53', () => text({ query: 'a', limit: -(2 ** 53) }), 'limit'),
      bad('limit 2.5', () => text({ query: 'a', limit: 2.5 }), 'limit'),
      bad(
        'price min 1e308',
        () => text({ query: 'a', filters: { price: { min: 1e308 } } }),
        'filters.price.min',
      ),
      bad('price max -1', () => text({ query: 'a', filters: { price: { max: -1 } } }), 'filters.price.max'),
      bad('similar limit 2^31', () => json('get', `/v1/products/${id}/similar?limit=2147483648`), 'limit'),
      bad('similar limit 1e999', () => json('get', `/v1/products/${id}/similar?limit=1e999`), 'limit'),
      bad('image search limit -5', () => imageForm({ limit: '-5' }), 'limit'),
      bad(
        'generate-missing limit 2^31',
        () => admin('/v1/admin/descriptions/generate-missing', { style: 'short', limit: 2 ** 31 }),
        'limit',
      ),
    ],
    '60,000 unknown keys': () => [
      refused(
        'in a search body (too large for the route)',
        () => text({ query: 'a', ...manyKeys(60_000) }),
        413,
        'PAYLOAD_TOO_LARGE',
        /65536-byte limit/,
      ),
      refused(
        'in an admin body (too large for the route)',
        () => product(manyKeys(60_000)),
        413,
        'PAYLOAD_TOO_LARGE',
        /262144-byte limit/,
      ),
      refused(
        '20,000 of them in an admin body within its byte limit',
        () => product(manyKeys(20_000)),
        400,
        'VALIDATION_FAILED',
        /more than 1000 fields/,
      ),
      refused(
        'in a similar search query string',
        () =>
          json(
            'get',
            `/v1/products/${id}/similar?${Array.from({ length: 1200 }, (_, i) => `k${i}=1`).join('&')}`,
          ),
        400,
        'VALIDATION_FAILED',
        /property k0 should not exist.*and \d+ more problems/,
      ),
    ],
    'many unknown keys within the limits': () => [
      refused(
        '990 unknown filters',
        () => text({ query: 'a', filters: manyKeys(990) }),
        400,
        'VALIDATION_FAILED',
        /filters\.k0.*and 980 more problems$/,
      ),
      refused(
        '990 unknown top-level keys',
        () => text({ query: 'a', ...manyKeys(990) }),
        400,
        'VALIDATION_FAILED',
        /property k0 should not exist.*and 980 more problems$/,
      ),
    ],
    'deep nesting': () => [
      bad('filters 20 objects deep', () => text({ query: 'a', filters: deep(20) }), 'deeper than 16 levels'),
      bad(
        'filters 10,000 arrays deep',
        () =>
          raw(
            '/v1/search/text',
            'application/json',
            `{"query":"a","filters":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
          ),
        'deeper than 16 levels',
      ),
      bad('admin attributes 40 deep', () => product({ attributes: deep(40) }), 'deeper than 16 levels'),
      bad(
        'form filters 30 deep',
        () => imageForm({ filters: JSON.stringify(deep(30)) }),
        'deeper than 16 levels',
      ),
      bad(
        'bracketed form field names',
        () =>
          request(t.server)
            .post('/v1/search/image')
            .field(`a${'[a]'.repeat(20)}`, 'x')
            .attach('image', png, 'a.png'),
        'deeper than 16 levels|should not exist',
      ),
    ],
    'oversized bodies': () => [
      refused(
        'a 100 kB search body',
        () => text({ query: 'a', cursor: 'x'.repeat(100_000) }),
        413,
        'PAYLOAD_TOO_LARGE',
      ),
      refused(
        'a 2 MB admin body',
        () => product({ description: 'x'.repeat(2_000_000) }),
        413,
        'PAYLOAD_TOO_LARGE',
        /262144-byte limit/,
      ),
      refused(
        'a gzip body that inflates to 5 MB',
        () =>
          raw('/v1/search/text', 'application/json', gzipSync(`{"query":"a"${' '.repeat(5_000_000)}}`), {
            'Content-Encoding': 'gzip',
          }),
        413,
        'PAYLOAD_TOO_LARGE',
      ),
      refused(
        'gzip declared, the bytes are not gzip',
        () =>
          raw('/v1/search/text', 'application/json', Buffer.from('{"query":"a"}'), {
            'Content-Encoding': 'gzip',
          }),
        400,
        'VALIDATION_FAILED',
        /unreadable request body/,
      ),
      refused(
        'an unknown content encoding',
        () => raw('/v1/search/text', 'application/json', '{"query":"a"}', { 'Content-Encoding': 'x-rot13' }),
        415,
        'UNSUPPORTED_MEDIA',
      ),
      refused(
        'an image over IMAGE_MAX_BYTES',
        () =>
          request(t.server)
            .post('/v1/search/image')
            .attach('image', Buffer.alloc(300 * 1024, 0xff), 'big.jpg'),
        413,
        'PAYLOAD_TOO_LARGE',
      ),
      refused(
        '30 multipart fields',
        () => {
          let r = request(t.server).post('/v1/search/image');
          for (let i = 0; i < 30; i++) r = r.field(`f${i}`, 'x');
          return r.attach('image', png, 'a.png');
        },
        400,
        'VALIDATION_FAILED',
      ),
      refused(
        'a 100 kB form field',
        () => imageForm({ query: 'x'.repeat(100_000) }),
        400,
        'VALIDATION_FAILED',
      ),
    ],
    'wrong content types': () => [
      refused(
        'text/plain search',
        () => raw('/v1/search/text', 'text/plain', '{"query":"a"}'),
        415,
        'UNSUPPORTED_MEDIA',
      ),
      refused(
        'form-urlencoded search',
        () => raw('/v1/search/text', 'application/x-www-form-urlencoded', 'query=a'),
        415,
        'UNSUPPORTED_MEDIA',
      ),
      refused(
        'multipart text search',
        () => request(t.server).post('/v1/search/text').field('query', 'a'),
        415,
        'UNSUPPORTED_MEDIA',
      ),
      refused(
        'XML image search',
        () => raw('/v1/search/image', 'application/xml', '<imageUrl/>'),
        415,
        'UNSUPPORTED_MEDIA',
      ),
      refused(
        'JSON in Latin-1',
        () =>
          raw(
            '/v1/search/text',
            'application/json; charset=iso-8859-1',
            Buffer.from('{"query":"caf\u00e9"}', 'latin1'),
          ),
        415,
        'UNSUPPORTED_MEDIA',
      ),
      refused(
        'JSON upload to /v1/vqa',
        () => json('post', '/v1/vqa', { question: 'red?' }),
        415,
        'UNSUPPORTED_MEDIA',
      ),
      refused(
        'text/plain admin upsert',
        () => raw('/v1/admin/products', 'text/plain', 'sku=1', { 'X-Api-Key': KEY }),
        415,
        'UNSUPPORTED_MEDIA',
      ),
    ],
    'malformed JSON': () => [
      bad('cut short', () => raw('/v1/search/text', 'application/json', '{"query": '), 'malformed JSON'),
      bad(
        'trailing garbage',
        () => raw('/v1/search/text', 'application/json', '{"query":"a"} x'),
        'malformed JSON',
      ),
      bad('a bare string', () => raw('/v1/search/text', 'application/json', '"apple"'), 'malformed JSON'),
      bad('a top-level array', () => raw('/v1/search/text', 'application/json', '[{"query":"a"}]'), 'query'),
      bad(
        'NaN',
        () => raw('/v1/search/text', 'application/json', '{"query":"a","limit":NaN}'),
        'malformed JSON',
      ),
      bad(
        'a raw NUL byte in a string',
        () => raw('/v1/search/text', 'application/json', '{"query":"a\u0000"}'),
        'malformed JSON',
      ),
      bad(
        'bytes that are not UTF-8',
        () =>
          raw(
            '/v1/search/text',
            'application/json',
            Buffer.from([0x7b, 0x22, 0x71, 0xff, 0x22, 0x3a, 0x31, 0x7d]),
          ),
        'should not exist',
      ),
      bad(
        'admin: cut short',
        () => raw('/v1/admin/products', 'application/json', '{"sku":', { 'X-Api-Key': KEY }),
        'malformed JSON',
      ),
    ],
    'prototype-pollution keys': () => [
      bad(
        '__proto__ at the top',
        () => raw('/v1/search/text', 'application/json', '{"query":"a","__proto__":{"limit":1000}}'),
        '__proto__',
      ),
      bad(
        'constructor.prototype in filters',
        () => text({ query: 'a', filters: { constructor: { prototype: { x: 1 } } } }),
        'filters.constructor',
      ),
      bad(
        '__proto__ in admin attributes',
        () =>
          raw(
            '/v1/admin/products',
            'application/json',
            '{"sku":"A","title":"B","images":[],"attributes":{"__proto__":{"admin":true}}}',
            { 'X-Api-Key': KEY },
          ),
        'attributes',
      ),
    ],
    'invalid UUIDs': () =>
      ['not-a-uuid', "1'; DROP TABLE products;--", `${NIL}0`, `${NIL.slice(0, -1)}g`].flatMap((bogus) => {
        const p = encodeURIComponent(bogus);
        return [
          refused(
            `similar ${bogus.slice(0, 20)}`,
            () => json('get', `/v1/products/${p}/similar`),
            404,
            'NOT_FOUND',
          ),
          refused(
            `image ${bogus.slice(0, 20)}`,
            () => json('get', `/v1/products/${p}/images/0`),
            404,
            'NOT_FOUND',
          ),
          refused(
            `attributes ${bogus.slice(0, 20)}`,
            () => json('get', `/v1/products/${p}/attributes`),
            404,
            'NOT_FOUND',
          ),
          refused(
            `ask ${bogus.slice(0, 20)}`,
            () => json('post', `/v1/products/${p}/ask`, { question: 'colour?' }),
            404,
            'NOT_FOUND',
          ),
          refused(
            `describe ${bogus.slice(0, 20)}`,
            () => admin(`/v1/products/${p}/description`, { style: 'short' }),
            404,
            'NOT_FOUND',
          ),
          refused(
            `delete ${bogus.slice(0, 20)}`,
            () => json('delete', `/v1/admin/products/${p}`, undefined, true),
            404,
            'NOT_FOUND',
          ),
          refused(
            `approve ${bogus.slice(0, 20)}`,
            () => admin(`/v1/admin/descriptions/${p}/approve`, {}),
            404,
            'NOT_FOUND',
          ),
          refused(
            `job ${bogus.slice(0, 20)}`,
            () => json('get', `/v1/admin/jobs/${p}`, undefined, true),
            404,
            'NOT_FOUND',
          ),
        ];
      }),
    'overlong strings': () => [
      bad('a 10,000-character query', () => text({ query: 'a'.repeat(10_000) }), 'query'),
      bad(
        'a 201-character brand',
        () => text({ query: 'a', filters: { brand: 'b'.repeat(201) } }),
        'filters.brand',
      ),
      bad('a 600-character cursor', () => text({ query: 'a', cursor: 'c'.repeat(600) }), 'cursor'),
      bad(
        'a 3,000-character imageUrl',
        () => json('post', '/v1/search/image', { imageUrl: `https://example.com/${'p'.repeat(3000)}` }),
        'imageUrl',
      ),
      bad(
        'a 2,000-character question',
        () => json('post', `/v1/products/${id}/ask`, { question: 'q'.repeat(2000) }),
        'question',
      ),
      bad(
        'a 3,000-character review note',
        () => admin(`/v1/admin/descriptions/${NIL}/approve`, { note: 'n'.repeat(3000) }),
        'note',
      ),
      bad('a 1,000-character SKU', () => product({ sku: 's'.repeat(1000) }), 'sku'),
      bad('a 600-character form query', () => imageForm({ query: 'q'.repeat(600) }), 'query'),
      bad(
        'a 3,000-character product id',
        () => json('get', `/v1/products/${'x'.repeat(3000)}/similar`),
        'id is longer than 256',
      ),
      bad(
        'a 3,000-character job id',
        () => json('get', `/v1/admin/jobs/${'j'.repeat(3000)}`, undefined, true),
        'id is longer than 256',
      ),
    ],
    'arrays and objects where scalars belong': () => [
      bad('query as an array', () => text({ query: ['red', 'apple'] }), 'query'),
      bad('query as an operator object', () => text({ query: { $ne: '' } }), 'query'),
      bad('limit as an array', () => text({ query: 'a', limit: [5] }), 'limit'),
      bad('inStock as an array', () => text({ query: 'a', filters: { inStock: [true] } }), 'filters.inStock'),
      bad('price as an array', () => text({ query: 'a', filters: { price: [1, 2] } }), 'filters.price'),
      bad('filters as a string', () => text({ query: 'a', filters: 'brand=Acme' }), 'filters'),
      bad('cursor as an object', () => text({ query: 'a', cursor: { offset: 5 } }), 'cursor'),
      bad(
        'similar limit given twice',
        () => json('get', `/v1/products/${id}/similar?limit=1&limit=2`),
        'limit',
      ),
      bad(
        'similar cursor given twice',
        () => json('get', `/v1/products/${id}/similar?cursor=a&cursor=b`),
        'cursor',
      ),
      bad('form query given twice', () => imageForm({ query: 'a' }).field('query', 'b'), 'query'),
      bad('admin SKU as an array', () => product({ sku: ['A', 'B'] }), 'sku'),
      bad(
        'admin images as a string',
        () => product({ images: 'https://images.example.com/a.jpg' }),
        'images',
      ),
      bad(
        'question as an array',
        () => json('post', `/v1/products/${id}/ask`, { question: ['a'] }),
        'question',
      ),
    ],
    'wrong JSON types': () => [
      bad('query as a number', () => text({ query: 42 }), 'query'),
      bad('explain as a string', () => text({ query: 'a', explain: 'yes' }), 'explain'),
      bad('limit as a string', () => text({ query: 'a', limit: '10' }), 'limit'),
      bad('rerank as null-ish string', () => text({ query: 'a', rerank: 'null' }), 'rerank'),
      bad(
        'heatmap as a number',
        () => json('post', `/v1/products/${id}/ask`, { question: 'red?', heatmap: 1 }),
        'heatmap',
      ),
    ],
    'forged and foreign cursors': () => [
      bad('random text', () => text({ query: 'a', cursor: 'garbage' }), 'cursor'),
      bad(
        'base64 of JSON',
        () => text({ query: 'a', cursor: Buffer.from('{"offset":-1}').toString('base64url') }),
        'cursor',
      ),
    ],
    'malformed multipart bodies': () => {
      const boundary = 'hostileboundary';
      const head = `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`;
      const multipart = (payload: string | Buffer, type = `multipart/form-data; boundary=${boundary}`) =>
        raw('/v1/search/image', type, payload);
      return [
        refused(
          'cut short before its closing boundary',
          () => multipart(Buffer.concat([Buffer.from(head), png.subarray(0, 500)])),
          400,
          'VALIDATION_FAILED',
        ),
        refused(
          'no boundary parameter',
          () => multipart(`${head}x\r\n--${boundary}--\r\n`, 'multipart/form-data'),
          400,
          'VALIDATION_FAILED',
        ),
        refused(
          'the file under another part name',
          () => request(t.server).post('/v1/search/image').attach('photo', png, 'a.png'),
          400,
          'VALIDATION_FAILED',
        ),
        refused(
          'two image files',
          () =>
            request(t.server)
              .post('/v1/search/image')
              .attach('image', png, 'a.png')
              .attach('image', png, 'b.png'),
          400,
          'VALIDATION_FAILED',
        ),
      ];
    },
    'too many filter conditions': () => [
      bad(
        '500 attribute filters',
        () => text({ query: 'a', filters: { attributes: manyKeys(500, 'attr') } }),
        'filters.attributes may name at most 32',
      ),
      bad(
        '101 categories',
        () => text({ query: 'a', filters: { category: Array.from({ length: 101 }, (_, i) => `c${i}`) } }),
        'filters.category',
      ),
      bad(
        '101 brands in similar products',
        () =>
          json(
            'get',
            `/v1/products/${id}/similar?filters=${encodeURIComponent(JSON.stringify({ brand: Array.from({ length: 101 }, (_, i) => `b${i}`) }))}`,
          ),
        'filters.brand',
      ),
    ],
    'unknown routes and methods': () => [
      refused(
        'PUT on a search route',
        () => request(t.server).put('/v1/search/text').send({ query: 'a' }),
        404,
        'NOT_FOUND',
      ),
      refused('GET on a POST route', () => json('get', '/v1/search/text'), 404, 'NOT_FOUND'),
      refused('an encoded NUL in a route segment', () => json('get', '/v1/search%00/text'), 404, 'NOT_FOUND'),
      refused(
        'a path traversal',
        () => json('get', '/v1/products/..%2F..%2Fetc%2Fpasswd/images/0'),
        404,
        'NOT_FOUND',
      ),
    ],
  };

  for (const [name, attempts] of Object.entries(CLASSES)) {
    it(`refuses ${name} and keeps serving`, async () => {
      for (const a of attempts()) {
        const res = await a.send();
        requests++;
        const body = res.body as { error?: { code?: string; message?: string } };
        expect({ label: a.label, status: res.status, code: body?.error?.code }).toEqual({
          label: a.label,
          status: a.status,
          code: a.code,
        });
        if (a.message)
          expect({ label: a.label, message: body.error?.message }).toEqual({
            label: a.label,
            message: expect.stringMatching(a.message),
          });
        // A refusal stays small whatever was sent.
        expect({ label: a.label, small: res.text.length < 4096 }).toEqual({ label: a.label, small: true });
        await stillServing(a.label);
      }
      tried.add(name);
    }, 120_000);
  }

  describe('readiness tells the truth when search cannot work', () => {
    it('is unready while a catalog table search reads is unusable, and ready again after', async () => {
      const db = t.app.get<CatalogDatabase>(CATALOG_DATABASE);
      await db.dataSource.query('ALTER TABLE product_images RENAME TO product_images_hidden');
      try {
        const search = await request(t.server).post('/v1/search/text').send({ query: ORDINARY_QUERY });
        expect(search.status).toBe(500);
        const ready = await request(t.server).get('/readyz');
        expect(ready.status).toBe(503);
        expect(ready.body.error.details.database).toMatchObject({ status: 'down' });
      } finally {
        await db.dataSource.query('ALTER TABLE product_images_hidden RENAME TO product_images');
      }
      await stillServing('catalog restored');
      tried.add('catalog table unusable (readiness)');
    });

    it("is unready while the live collection holds another model's vectors, and ready again after", async () => {
      const store = t.app.get<VectorStore>(VECTOR_STORE);
      const live = (await store.resolveAlias(PRODUCTS_ALIAS))!;
      const info = (await store.collectionInfo(live))!;
      const foreign = collectionNameFor('another-model@1', 1);
      await store.ensureCollection({ name: foreign, dim: info.dim, vectors: info.vectors });
      await store.switchAlias(PRODUCTS_ALIAS, foreign);
      try {
        // Searches re-check the alias at most once a second.
        await new Promise((r) => setTimeout(r, 1100));
        const search = await request(t.server).post('/v1/search/text').send({ query: ORDINARY_QUERY });
        expect({ status: search.status, code: search.body?.error?.code }).toEqual({
          status: 503,
          code: 'MODEL_MISMATCH',
        });
        const ready = await request(t.server).get('/readyz');
        expect(ready.status).toBe(503);
        expect(ready.body.error.details.vectorStore).toMatchObject({
          status: 'down',
          message: expect.stringMatching(/another model's vectors/),
        });
      } finally {
        await store.switchAlias(PRODUCTS_ALIAS, live);
        await store.dropCollection(foreign);
      }
      await new Promise((r) => setTimeout(r, 1100));
      await stillServing('live collection restored');
      const ready = await request(t.server).get('/readyz').expect(200);
      expect(ready.body.details.vectorStore).toMatchObject({
        status: 'up',
        collection: live,
        points: PRODUCTS,
      });
      tried.add('live collection unusable (readiness)');
    });
  });
});
