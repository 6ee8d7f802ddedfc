import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DomainError } from '@vitrine/core';
import { isPublicAddress } from './address-policy';
import { SafeFetcher, type SafeFetchOptions } from './safe-fetch';

describe('isPublicAddress', () => {
  it.each([
    ['8.8.8.8', true],
    ['2001:4860:4860::8888', true],
    ['127.0.0.1', false],
    ['10.1.2.3', false],
    ['192.168.0.10', false],
    ['172.16.5.4', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['::1', false],
    ['fe80::1', false],
    ['fc00::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:8.8.8.8', true],
    ['not an ip', false],
  ])('%s → %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe('SafeFetcher', () => {
  let server: http.Server;
  let base: string;
  const png = Buffer.alloc(2048, 7);

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      switch (url.pathname) {
        case '/img.png':
          res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
          return res.end(png);
        case '/big':
          res.writeHead(200, { 'content-type': 'image/png' }); // no content-length: the stream must be cut
          return res.end(Buffer.alloc(100_000));
        case '/declared-big':
          res.writeHead(200, { 'content-length': '999999999' });
          return res.end();
        case '/slow':
          setTimeout(() => res.end('late'), 2000).unref();
          return;
        case '/redirect':
          res.writeHead(302, { location: `/redirect-${Number(url.searchParams.get('n') ?? 0)}` });
          return res.end();
        case '/loop':
          res.writeHead(302, { location: '/loop' });
          return res.end();
        case '/to-metadata':
          res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
          return res.end();
        case '/to-file':
          res.writeHead(302, { location: 'file:///etc/passwd' });
          return res.end();
        case '/missing':
          res.writeHead(404);
          return res.end('nope');
        case '/broken':
          res.writeHead(503);
          return res.end();
        default:
          if (url.pathname.startsWith('/redirect-')) {
            res.writeHead(301, { location: '/img.png' });
            return res.end();
          }
          res.writeHead(500);
          return res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const make = (o: Partial<SafeFetchOptions> = {}) =>
    new SafeFetcher({ timeoutMs: 500, maxBytes: 10_000, maxRedirects: 3, allowPrivate: true, ...o });

  async function failure(p: Promise<unknown>): Promise<DomainError> {
    const e: unknown = await p.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(DomainError);
    return e as DomainError;
  }

  it('fetches a body with its content type', async () => {
    const f = make();
    const got = await f.fetch(`${base}/img.png`);
    expect(got.bytes.equals(png)).toBe(true);
    expect(got.contentType).toBe('image/png');
    await f.close();
  });

  it('follows redirects up to the limit and reports the final URL', async () => {
    const f = make();
    expect((await f.fetch(`${base}/redirect`)).finalUrl).toBe(`${base}/img.png`);
    const loop = await failure(f.fetch(`${base}/loop`));
    expect(loop.code).toBe('FETCH_FAILED');
    expect(loop.message).toMatch(/too many redirects/);
    await f.close();
  });

  it('refuses loopback targets unless private addresses are allowed', async () => {
    const f = make({ allowPrivate: false });
    const e = await failure(f.fetch(`${base}/img.png`));
    expect(e.code).toBe('FETCH_FORBIDDEN');
    expect(e.transient).toBe(false);
    const named = await failure(f.fetch(`http://localhost:${new URL(base).port}/img.png`));
    expect(named.code).toBe('FETCH_FORBIDDEN');
    await f.close();
  });

  it('re-checks every redirect hop (public host redirecting to the metadata address)', async () => {
    // "shop.test" resolves to our loopback server, which the test policy treats as public; the redirect target
    // 169.254.169.254 must still be refused.
    const f = make({
      allowPrivate: false,
      addressPolicy: (a) => a === '127.0.0.1',
      lookup: ((_h: string, _o: unknown, cb: (e: null, a: { address: string; family: number }[]) => void) =>
        cb(null, [{ address: '127.0.0.1', family: 4 }])) as never,
    });
    const port = new URL(base).port;
    expect((await f.fetch(`http://shop.test:${port}/img.png`)).bytes.length).toBe(png.length);
    const e = await failure(f.fetch(`http://shop.test:${port}/to-metadata`));
    expect(e.code).toBe('FETCH_FORBIDDEN');
    await f.close();
  });

  it('refuses non-http schemes, also as redirect targets', async () => {
    const f = make();
    expect((await failure(f.fetch('file:///etc/passwd'))).code).toBe('FETCH_FORBIDDEN');
    expect((await failure(f.fetch(`${base}/to-file`))).code).toBe('FETCH_FORBIDDEN');
    expect((await failure(f.fetch('not a url'))).code).toBe('FETCH_FORBIDDEN');
    await f.close();
  });

  it('cuts bodies over the size limit, declared or streamed', async () => {
    const f = make();
    expect((await failure(f.fetch(`${base}/big`))).code).toBe('PAYLOAD_TOO_LARGE');
    expect((await failure(f.fetch(`${base}/declared-big`))).code).toBe('PAYLOAD_TOO_LARGE');
    await f.close();
  });

  it('times out slow servers as a transient failure', async () => {
    const f = make({ timeoutMs: 200 });
    const started = Date.now();
    const e = await failure(f.fetch(`${base}/slow`));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.transient).toBe(true);
    await f.close();
  });

  it('marks 404 permanent and 503 transient', async () => {
    const f = make();
    const missing = await failure(f.fetch(`${base}/missing`));
    expect(missing).toMatchObject({
      code: 'FETCH_FAILED',
      details: expect.objectContaining({ status: 404 }),
    });
    expect(missing.transient).toBe(false);
    expect((await failure(f.fetch(`${base}/broken`))).transient).toBe(true);
    await f.close();
  });
});
