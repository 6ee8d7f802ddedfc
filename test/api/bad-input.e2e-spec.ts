import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { DEMO_DIR, startApiApp, type ApiTestApp } from './api-app';

/** Bad input a new user might send: each gets a clear 4xx in the one error shape, and the service keeps serving. */
describe('bad input through HTTP', () => {
  let t: ApiTestApp;
  const png = readFileSync(join(DEMO_DIR, 'queries/red-apple.png'));

  beforeAll(async () => {
    t = await startApiApp();
  }, 120_000);
  afterAll(() => t?.close());

  afterEach(async () => {
    // Still serving after each refusal.
    await request(t.server).post('/v1/search/text').send({ query: 'apple' }).expect(200);
  });

  const textSearch = (body: unknown) =>
    request(t.server)
      .post('/v1/search/text')
      .send(body as object);
  const expectError = (res: request.Response, status: number, code: string, message: RegExp) => {
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
    expect(res.body.error.message).toMatch(message);
    expect(res.body.error.details).toEqual(expect.any(Object));
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
  };

  it('an empty (or blank) query', async () => {
    expectError(await textSearch({ query: '' }), 400, 'VALIDATION_FAILED', /query must not be empty/);
    expectError(await textSearch({ query: '   ' }), 400, 'VALIDATION_FAILED', /query must not be empty/);
    expectError(await textSearch({}), 400, 'VALIDATION_FAILED', /query/);
  });

  it('a 10,000-character query', async () => {
    const res = await textSearch({ query: 'a'.repeat(10_000) });
    expectError(res, 400, 'VALIDATION_FAILED', /query must be shorter than or equal to 512 characters/);
  });

  it('limit -1 and limit 1e9', async () => {
    expectError(
      await textSearch({ query: 'apple', limit: -1 }),
      400,
      'VALIDATION_FAILED',
      /limit must not be less than 1/,
    );
    expectError(
      await textSearch({ query: 'apple', limit: 1e9 }),
      400,
      'VALIDATION_FAILED',
      /limit must not be greater than 100/,
    );
    expectError(
      await textSearch({ query: 'apple', limit: 2.5 }),
      400,
      'VALIDATION_FAILED',
      /limit must be an integer/,
    );
  });

  it('an unknown filter field, and an unknown top-level field', async () => {
    const res = await textSearch({ query: 'apple', filters: { colour: 'red' } });
    expectError(res, 400, 'VALIDATION_FAILED', /filters\.colour: property colour should not exist/);
    expect(res.body.error.details.fields).toEqual([
      { field: 'filters.colour', problems: ['property colour should not exist'] },
    ]);
    expectError(
      await textSearch({ query: 'apple', lmit: 5 }),
      400,
      'VALIDATION_FAILED',
      /property lmit should not exist/,
    );
  });

  it('a reversed price range and other bad filter values', async () => {
    expectError(
      await textSearch({ query: 'apple', filters: { price: { min: 50, max: 10 } } }),
      400,
      'VALIDATION_FAILED',
      /price range is reversed: min 50 is above max 10/,
    );
    expectError(
      await textSearch({ query: 'apple', filters: { price: { min: -3 } } }),
      400,
      'VALIDATION_FAILED',
      /min must not be less than 0/,
    );
    expectError(
      await textSearch({ query: 'apple', filters: { inStock: 'yes' } }),
      400,
      'VALIDATION_FAILED',
      /inStock must be a boolean/,
    );
    expectError(
      await textSearch({ query: 'apple', filters: { attributes: { color: { $gt: 1 } } } }),
      400,
      'VALIDATION_FAILED',
      /attributes\.color must be a string, a finite number or a boolean/,
    );
  });

  it('malformed JSON and a body that is not JSON', async () => {
    const bad = await request(t.server)
      .post('/v1/search/text')
      .set('Content-Type', 'application/json')
      .send('{"query": ');
    expectError(bad, 400, 'VALIDATION_FAILED', /malformed JSON/);
    const plain = await request(t.server)
      .post('/v1/search/text')
      .set('Content-Type', 'text/plain')
      .send('apple');
    expectError(plain, 415, 'UNSUPPORTED_MEDIA', /send application\/json/);
  });

  it('a 30 MB upload', async () => {
    const res = await request(t.server)
      .post('/v1/search/image')
      .attach('image', Buffer.alloc(30 * 1024 * 1024, 0xff), 'huge.jpg');
    expectError(res, 413, 'PAYLOAD_TOO_LARGE', /larger than the 20971520-byte limit/);
  });

  it('a text file named .jpg, and a truncated PNG', async () => {
    const text = await request(t.server)
      .post('/v1/search/image')
      .attach('image', Buffer.from('this is not a picture\n'), {
        filename: 'photo.jpg',
        contentType: 'image/jpeg',
      });
    expectError(text, 415, 'UNSUPPORTED_MEDIA', /not a JPEG, PNG, WebP, AVIF or GIF image/);
    const truncated = await request(t.server)
      .post('/v1/search/image')
      .attach('image', png.subarray(0, 120), 'cut.png');
    expect([415, 422]).toContain(truncated.status);
    expect(['IMAGE_INVALID', 'UNSUPPORTED_MEDIA']).toContain(truncated.body.error.code);
  });

  it('an image URL pointing at 127.0.0.1 (and other URLs the server must not fetch)', async () => {
    const image = (imageUrl: string) => request(t.server).post('/v1/search/image').send({ imageUrl });
    expectError(
      await image('http://127.0.0.1:5432/'),
      400,
      'FETCH_FORBIDDEN',
      /127\.0\.0\.1 is a private, loopback or link-local address/,
    );
    expectError(
      await image('http://169.254.169.254/latest/meta-data/'),
      400,
      'FETCH_FORBIDDEN',
      /link-local/,
    );
    expectError(await image('http://[::1]/x.png'), 400, 'FETCH_FORBIDDEN', /private, loopback/);
    expectError(await image('file:///etc/passwd'), 400, 'FETCH_FORBIDDEN', /refusing to fetch file: URLs/);
    expectError(await image('not a url'), 400, 'FETCH_FORBIDDEN', /not a valid URL/);
  });

  it('an image request with neither or both of a file and a URL', async () => {
    expectError(
      await request(t.server).post('/v1/search/image').send({}),
      400,
      'VALIDATION_FAILED',
      /send an image file/,
    );
    const both = await request(t.server)
      .post('/v1/search/image')
      .field('imageUrl', 'https://example.com/a.png')
      .attach('image', png, 'a.png');
    expectError(both, 400, 'VALIDATION_FAILED', /not both/);
  });

  it('an unknown route, an unknown product and a malformed product id', async () => {
    expectError(await request(t.server).get('/v1/nope'), 404, 'NOT_FOUND', /Cannot GET \/v1\/nope/);
    expectError(
      await request(t.server).get('/v1/products/2b0c1a9e-1111-4c4c-8888-000000000000/similar'),
      404,
      'NOT_FOUND',
      /product 2b0c1a9e-1111-4c4c-8888-000000000000 does not exist/,
    );
    expectError(
      await request(t.server).get('/v1/products/1%3BDROP/similar'),
      404,
      'NOT_FOUND',
      /does not exist/,
    );
    expectError(await request(t.server).get('/v1/products/x/images/abc'), 404, 'NOT_FOUND', /numeric string/);
  });
});
