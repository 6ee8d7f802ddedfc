import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
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

  describe('judges every spelling of an internal IPv4 address as that address', () => {
    it.each([
      // IPv4 written the ways inet_aton (and ipaddr.js) accept
      ['127.1', 'short IPv4'],
      ['0x7f000001', 'hex IPv4'],
      ['2130706433', 'decimal IPv4'],
      ['0177.0.0.1', 'octal IPv4'],
      // IPv4-mapped, hex and dotted
      ['::ffff:7f00:1', 'IPv4-mapped in hex'],
      ['0:0:0:0:0:ffff:a9fe:a9fe', 'IPv4-mapped metadata address, long form'],
      ['::ffff:10.0.0.1', 'IPv4-mapped RFC 1918'],
      // IPv4-compatible (deprecated), including public ones: the form is refused, whatever it carries
      ['::7f00:1', 'IPv4-compatible loopback'],
      ['::127.0.0.1', 'IPv4-compatible loopback, dotted'],
      ['::a9fe:a9fe', 'IPv4-compatible metadata address'],
      ['::808:808', 'IPv4-compatible public'],
      // IPv4-translated (SIIT)
      ['::ffff:0:7f00:1', 'IPv4-translated loopback'],
      ['::ffff:0:808:808', 'IPv4-translated public'],
      // NAT64: the well-known prefix is judged by what it carries, the local-use prefix is refused
      ['64:ff9b::7f00:1', 'NAT64 loopback'],
      ['64:ff9b::a9fe:a9fe', 'NAT64 metadata address'],
      ['64:ff9b::192.168.0.1', 'NAT64 RFC 1918, dotted'],
      ['64:ff9b:1::808:808', 'NAT64 local-use prefix'],
      // tunnels
      ['2002:7f00:1::1', '6to4 of loopback'],
      ['2002:808:808::1', '6to4 of a public address'],
      ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'Teredo (client 127.0.0.1)'],
      // IPv6 outside global unicast or in special-purpose blocks
      ['::', 'unspecified'],
      ['fec0::1', 'site-local (deprecated)'],
      ['fe80::1%eth0', 'link-local with a zone'],
      ['ff02::1', 'multicast'],
      ['100::1', 'discard'],
      ['2001:db8::1', 'documentation'],
      ['2001:2::1', 'benchmarking'],
      ['4000::1', 'unallocated (outside 2000::/3)'],
      ['1::1', 'unallocated (outside 2000::/3)'],
    ])('%s (%s) is refused', (address) => {
      expect(isPublicAddress(address)).toBe(false);
    });

    it.each([
      ['64:ff9b::808:808', 'NAT64 of 8.8.8.8 (how DNS64 networks reach public hosts)'],
      ['::ffff:808:808', 'IPv4-mapped 8.8.8.8 in hex'],
      ['2a00:1450:4001:80b::200e', 'global unicast'],
      ['1.1.1.1', 'public IPv4'],
    ])('%s (%s) is public', (address) => {
      expect(isPublicAddress(address)).toBe(true);
    });
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

  it('refuses IPv6 spellings of loopback in URLs with the default policy', async () => {
    const f = make({ allowPrivate: false });
    const port = new URL(base).port;
    for (const host of [
      '[::7f00:1]',
      '[::ffff:7f00:1]',
      '[64:ff9b::7f00:1]',
      '[::127.0.0.1]',
      '[2002:7f00:1::]',
    ]) {
      const e = await failure(f.fetch(`http://${host}:${port}/img.png`));
      expect({ host, code: e.code, transient: e.transient }).toEqual({
        host,
        code: 'FETCH_FORBIDDEN',
        transient: false,
      });
    }
    await f.close();
  });

  it('refuses a name resolving to an internal address in any form, without saying which address', async () => {
    const port = new URL(base).port;
    for (const resolved of [
      { address: '::7f00:1', family: 6 },
      { address: '64:ff9b::a9fe:a9fe', family: 6 },
      { address: '10.20.30.40', family: 4 },
    ]) {
      const f = make({
        allowPrivate: false,
        lookup: ((_h: string, _o: unknown, cb: (e: null, a: { address: string; family: number }[]) => void) =>
          cb(null, [resolved])) as never,
      });
      const e = await failure(f.fetch(`http://images.shop.test:${port}/img.png`));
      expect(e.code).toBe('FETCH_FORBIDDEN');
      expect(e.message).toContain('images.shop.test');
      const shown = JSON.stringify({ message: e.message, details: e.details });
      for (const leak of [resolved.address, '127.0.0.1', '169.254', '7f00', 'a9fe']) {
        expect(shown).not.toContain(leak);
      }
      await f.close();
    }
  });

  it('does not name the address connected to in network errors', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const f = make({
      allowPrivate: false,
      addressPolicy: (a) => a === '127.0.0.1',
      lookup: ((_h: string, _o: unknown, cb: (e: null, a: { address: string; family: number }[]) => void) =>
        cb(null, [{ address: '127.0.0.1', family: 4 }])) as never,
    });
    const e = await failure(f.fetch(`http://shop.test:${port}/img.png`));
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.message).toMatch(/ECONNREFUSED/);
    expect(e.message).not.toContain('127.0.0.1');
    await f.close();
  });

  describe('over https', () => {
    const tls = join(__dirname, '..', '..', 'test-fixtures', 'tls');
    const cert = readFileSync(join(tls, 'localhost.crt'), 'utf8');
    let secure: https.Server;
    let secureBase: string;

    beforeAll(async () => {
      secure = https.createServer({ cert, key: readFileSync(join(tls, 'localhost.key')) }, (req, res) => {
        switch (req.url ?? '/') {
          case '/img.png':
            res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
            return res.end(png);
          case '/to-https':
            res.writeHead(302, { location: '/img.png' });
            return res.end();
          case '/to-http':
            res.writeHead(302, { location: `${base}/img.png` });
            return res.end();
          default:
            res.writeHead(404);
            return res.end();
        }
      });
      await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
      secureBase = `https://127.0.0.1:${(secure.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      secure.closeAllConnections();
      await new Promise((resolve) => secure.close(resolve));
    });

    it('follows https redirects but refuses a downgrade to http', async () => {
      const f = make({ ca: cert });
      expect((await f.fetch(`${secureBase}/to-https`)).bytes.equals(png)).toBe(true);
      const e = await failure(f.fetch(`${secureBase}/to-http`));
      expect(e.code).toBe('FETCH_FORBIDDEN');
      expect(e.transient).toBe(false);
      expect(e.message).toMatch(/redirect from https to http/);
      await f.close();
    });
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

  it('can be closed by every owner of it, more than once', async () => {
    const f = make();
    await Promise.all([f.close(), f.close()]);
    await expect(f.close()).resolves.toBeUndefined();
  });
});
