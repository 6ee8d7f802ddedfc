import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DomainError } from '@vitrine/core';
import { TINY_CLIP } from '../../test-fixtures/fixtures';
import { OnnxEmbeddingProvider } from '../onnx/onnx-embedding-provider';
import { CHECKSUMS_FILE, downloadModel, type DownloadOptions } from './model-download';
import type { ModelManifest } from './model-manifest';

const FILES = [
  'config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'onnx/text_model.onnx',
  'onnx/vision_model.onnx',
];
const REVISION = '0123456789abcdef0123456789abcdef01234567';

/**
 * A stand-in for the Hugging Face hub on 127.0.0.1: serves TINY_CLIP's files under
 * /<repo>/resolve/<revision>/<path>, honours Range, and can be told to misbehave.
 */
class FakeHub {
  readonly requests: { path: string; range: string | undefined }[] = [];
  /** Replaces a file's bytes. */
  readonly overrides = new Map<string, Buffer>();
  /**
   * Paths whose next response stops after this many bytes; the connection is then cut off by `cutNow()`, so
   * a test can wait until the client has saved those bytes (a cut sent at once may reach the client before
   * the bytes do, and then nothing is saved).
   */
  readonly cutOnce = new Map<string, number>();
  private readonly held: http.ServerResponse[] = [];
  private server!: http.Server;
  baseUrl = '';

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Cuts off every response held by `cutOnce`. */
  cutNow(): void {
    for (const res of this.held.splice(0)) res.destroy();
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const prefix = `/tiny/clip/resolve/${REVISION}/`;
    const url = req.url ?? '';
    this.requests.push({ path: url.slice(prefix.length), range: req.headers.range });
    const file = url.slice(prefix.length);
    if (!url.startsWith(prefix) || !FILES.includes(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    const body = this.overrides.get(file) ?? (await fs.readFile(path.join(TINY_CLIP, file)));
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const slice = body.subarray(start);
    res.writeHead(m ? 206 : 200, {
      'content-length': slice.length,
      ...(m ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    const cut = this.cutOnce.get(file);
    if (cut !== undefined) {
      this.cutOnce.delete(file);
      res.write(slice.subarray(0, cut));
      this.held.push(res);
      return;
    }
    res.end(slice);
  }
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await fs.readFile(path.join(TINY_CLIP, file)))
    .digest('hex');
}

async function manifest(pinned: boolean): Promise<ModelManifest> {
  return {
    name: 'tiny',
    repo: 'tiny/clip',
    revision: REVISION,
    files: await Promise.all(FILES.map(async (p) => ({ path: p, sha256: pinned ? await sha256(p) : null }))),
  };
}

const exists = (p: string) =>
  fs.stat(p).then(
    () => true,
    () => false,
  );

describe('downloadModel', () => {
  let hub: FakeHub;
  let root: string;
  let dir: string;
  let staging: string;
  const fetchInto = async (extra: Partial<DownloadOptions> & { pinned?: boolean } = {}) =>
    downloadModel({ manifest: await manifest(extra.pinned ?? true), dir, baseUrl: hub.baseUrl, ...extra });

  beforeEach(async () => {
    hub = new FakeHub();
    await hub.start();
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'vitrine-fetch-'));
    dir = path.join(root, 'models', 'tiny');
    staging = path.join(root, 'models', '.tiny.download');
  });
  afterEach(async () => {
    await hub.stop();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('downloads every file, verifies it, validates the layout and installs a loadable model', async () => {
    const progress: string[] = [];
    const result = await fetchInto({ onProgress: (p) => progress.push(p.file) });
    expect(result.files.map((f) => [f.path, f.checkedAgainst])).toEqual(FILES.map((f) => [f, 'pinned']));
    for (const f of FILES) {
      expect(await fs.readFile(path.join(dir, f))).toEqual(await fs.readFile(path.join(TINY_CLIP, f)));
    }
    expect(new Set(progress)).toEqual(new Set(FILES));
    expect(await exists(staging)).toBe(false);
    const p = await OnnxEmbeddingProvider.load({ modelDir: dir });
    expect(p.dim).toBe(8);
    await p.close();
  });

  it('fails on a wrong checksum and leaves nothing behind', async () => {
    const vision = await fs.readFile(path.join(TINY_CLIP, 'onnx/vision_model.onnx'));
    const tampered = Buffer.from(vision);
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 1) ^ 0xff, tampered.length - 1);
    hub.overrides.set('onnx/vision_model.onnx', tampered);
    const e = (await fetchInto().catch((x: unknown) => x)) as DomainError;
    expect(e).toBeInstanceOf(DomainError);
    expect(e.code).toBe('FETCH_FAILED');
    expect(e.message).toContain('Checksum mismatch for onnx/vision_model.onnx');
    expect(await exists(dir)).toBe(false);
    expect(await exists(staging)).toBe(false);
    expect(await fs.readdir(path.join(root, 'models'))).toEqual([]);
  });

  it('refuses unpinned files before downloading anything, unless trusting on first use', async () => {
    const e = (await fetchInto({ pinned: false }).catch((x: unknown) => x)) as DomainError;
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.message).toContain('--trust-on-first-use');
    expect(hub.requests).toHaveLength(0);

    const result = await fetchInto({ pinned: false, trustOnFirstUse: true });
    expect(result.files.every((f) => f.checkedAgainst === 'trust-on-first-use')).toBe(true);
    const recorded = JSON.parse(await fs.readFile(path.join(dir, CHECKSUMS_FILE), 'utf8')) as {
      files: Record<string, { sha256: string }>;
    };
    expect(recorded.files['onnx/text_model.onnx']?.sha256).toBe(await sha256('onnx/text_model.onnx'));

    // A later fetch of the same revision checks against what was recorded, even without pins.
    hub.overrides.set('tokenizer.json', Buffer.from('{"model": {}}'));
    const again = (await fetchInto({ pinned: false }).catch((x: unknown) => x)) as DomainError;
    expect(again.code).toBe('FETCH_FAILED');
    expect(again.message).toContain('Checksum mismatch for tokenizer.json');
    expect(await fs.readFile(path.join(dir, 'tokenizer.json'))).toEqual(
      await fs.readFile(path.join(TINY_CLIP, 'tokenizer.json')),
    );
  });

  it('resumes an interrupted download with a Range request', async () => {
    hub.cutOnce.set('onnx/text_model.onnx', 5000);
    const interrupted = fetchInto().catch((x: unknown) => x);
    const part = path.join(staging, 'onnx', 'text_model.onnx.part');
    while ((await fs.stat(part).catch(() => null))?.size !== 5000) await new Promise((r) => setTimeout(r, 5));
    hub.cutNow();
    const e = (await interrupted) as DomainError;
    expect(e.code).toBe('FETCH_FAILED');
    expect(e.transient).toBe(true);
    expect((await fs.stat(part)).size).toBe(5000);

    hub.requests.length = 0;
    await fetchInto();
    expect(hub.requests.find((r) => r.path === 'onnx/text_model.onnx')?.range).toBe('bytes=5000-');
    expect(hub.requests.map((r) => r.path)).not.toContain('config.json'); // already complete, not fetched again
    expect(await fs.readFile(path.join(dir, 'onnx/text_model.onnx'))).toEqual(
      await fs.readFile(path.join(TINY_CLIP, 'onnx/text_model.onnx')),
    );
    expect(await exists(staging)).toBe(false);
  });

  it('refuses a download that is not a valid model layout (MODEL_INVALID), leaving nothing', async () => {
    const bad = Buffer.from(JSON.stringify({ text_config: { max_position_embeddings: 16 } }));
    hub.overrides.set('config.json', bad);
    const m = await manifest(true);
    const files = m.files.map((f) =>
      f.path === 'config.json' ? { ...f, sha256: createHash('sha256').update(bad).digest('hex') } : f,
    );
    const e = (await downloadModel({ manifest: { ...m, files }, dir, baseUrl: hub.baseUrl }).catch(
      (x: unknown) => x,
    )) as DomainError;
    expect(e.code).toBe('MODEL_INVALID');
    expect(await exists(dir)).toBe(false);
    expect(await exists(staging)).toBe(false);
  });

  it('reports HTTP errors with the status', async () => {
    const m = await manifest(true);
    const e = (await downloadModel({
      manifest: { ...m, files: [...m.files, { path: 'missing.bin', sha256: 'ab'.repeat(32) }] },
      dir,
      baseUrl: hub.baseUrl,
    }).catch((x: unknown) => x)) as DomainError;
    expect(e.code).toBe('FETCH_FAILED');
    expect(e.details).toMatchObject({ status: 404, transient: false });
    expect(await exists(dir)).toBe(false);
    expect(await exists(staging)).toBe(false);
  });
});
