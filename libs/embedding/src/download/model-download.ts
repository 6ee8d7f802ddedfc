import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { DomainError, JsonFileError, parseJsonFile } from '@vitrine/core';
import { OnnxEmbeddingProvider } from '../onnx/onnx-embedding-provider';
import { HF_BASE_URL, manifestFileUrl, type ModelManifest } from './model-manifest';

/** Written next to the model after a successful fetch: what was downloaded, from where, with which sha256. */
export const CHECKSUMS_FILE = 'checksums.json';

export interface ChecksumsRecord {
  readonly repo: string;
  readonly revision: string;
  readonly files: Readonly<Record<string, { readonly sha256: string; readonly size: number }>>;
}

export interface DownloadProgress {
  readonly file: string;
  readonly received: number;
  /** Total bytes when the server said (Content-Length); undefined otherwise. */
  readonly total: number | undefined;
  /** The file was resumed from a partial download. */
  readonly resumed: boolean;
}

export interface DownloadOptions {
  readonly manifest: ModelManifest;
  /** Target directory; created only once every file is verified. */
  readonly dir: string;
  /** Default {@link HF_BASE_URL}. */
  readonly baseUrl?: string;
  /** Accept files with no known checksum and record what arrived (see {@link CHECKSUMS_FILE}). */
  readonly trustOnFirstUse?: boolean;
  /** Abort a transfer that receives nothing for this long. Default 60 s. */
  readonly idleTimeoutMs?: number;
  readonly onProgress?: (p: DownloadProgress) => void;
  /** Checks the downloaded directory before it is installed. Default: load it as an embedding model. */
  readonly validate?: (dir: string) => Promise<void>;
}

export type ChecksumSource = 'pinned' | 'recorded' | 'trust-on-first-use';

export interface DownloadResult {
  readonly dir: string;
  readonly files: readonly {
    readonly path: string;
    readonly sha256: string;
    readonly size: number;
    /** Where the expected checksum came from. */
    readonly checkedAgainst: ChecksumSource;
  }[];
}

function failed(message: string, details: Record<string, unknown>, cause?: unknown): DomainError {
  return new DomainError('FETCH_FAILED', message, details, { cause });
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

async function containsFile(dir: string): Promise<boolean> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.some((e) => e.isFile());
}

/** undici's "fetch failed" hides the reason (ENOTFOUND, ECONNREFUSED...) in `cause`. */
function networkReason(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e as Error).message;
}

async function hashFile(file: string, into: Hash = createHash('sha256')): Promise<Hash> {
  for await (const chunk of createReadStream(file)) into.update(chunk as Buffer);
  return into;
}

async function readRecord(dir: string, manifest: ModelManifest): Promise<ChecksumsRecord | undefined> {
  const file = path.join(dir, CHECKSUMS_FILE);
  const text = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (!text) return undefined;
  let r: ChecksumsRecord;
  try {
    r = parseJsonFile(text, file) as ChecksumsRecord;
  } catch (e) {
    throw new DomainError(
      'MODEL_INVALID',
      `${e instanceof JsonFileError ? e.message : `${file} is not valid JSON`}. Restore it, or delete it and ` +
        'download again with checksums pinned or --trust-on-first-use',
      { file },
      { cause: e },
    );
  }
  return r.repo === manifest.repo && r.revision === manifest.revision ? r : undefined;
}

/** The default layout check: the directory must load as an embedding model (graphs, configs, tokenizer). */
async function loadAsModel(dir: string): Promise<void> {
  const provider = await OnnxEmbeddingProvider.load({
    modelDir: dir,
    logger: { log: () => undefined, warn: () => undefined },
  });
  await provider.close();
}

/**
 * Downloads a model into `dir` safely: every file streams into a staging folder next to `dir`
 * (`.<name>.download`), is checked against its sha256, and the whole model is validated before anything is
 * moved into `dir`. A wrong checksum or an invalid layout deletes the staging folder: nothing is left behind.
 * A network failure keeps the partial file, and the next run resumes it with an HTTP Range request.
 *
 * Expected checksums come from the manifest, else from `dir/checksums.json` of an earlier fetch of the same
 * revision; files with neither are refused before any download unless `trustOnFirstUse` is set.
 *
 * Errors: `FETCH_FAILED` (HTTP errors, checksum mismatch, network; `details.transient` for retryable ones),
 * `MODEL_INVALID` (downloaded files do not form a usable model), `VALIDATION_FAILED` (unpinned checksums).
 */
export async function downloadModel(opts: DownloadOptions): Promise<DownloadResult> {
  const { manifest } = opts;
  const dir = path.resolve(opts.dir);
  const staging = path.join(path.dirname(dir), `.${path.basename(dir)}.download`);
  const baseUrl = opts.baseUrl ?? HF_BASE_URL;
  const record = await readRecord(dir, manifest);
  const expected = manifest.files.map((f) => {
    if (f.sha256) return { ...f, sha256: f.sha256.toLowerCase(), source: 'pinned' as const };
    const r = record?.files[f.path];
    if (r) return { ...f, sha256: r.sha256, source: 'recorded' as const };
    return { ...f, sha256: null, source: 'trust-on-first-use' as const };
  });
  const unpinned = expected.filter((f) => f.sha256 === null).map((f) => f.path);
  if (unpinned.length && !opts.trustOnFirstUse) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `No known sha256 for ${unpinned.join(', ')} of ${manifest.repo}@${manifest.revision}. Rerun with ` +
        '--trust-on-first-use to accept what the server sends (the checksums are recorded in ' +
        `${CHECKSUMS_FILE} and printed with --print-checksums, so they can be pinned in the manifest).`,
      { unpinned },
    );
  }

  const results: DownloadResult['files'][number][] = [];
  try {
    for (const f of expected) {
      const url = manifestFileUrl(baseUrl, manifest, f.path);
      const { sha256, size } = await fetchFile(url, path.join(staging, f.path), f.path, opts);
      if (f.sha256 !== null && sha256 !== f.sha256) {
        throw failed(`Checksum mismatch for ${f.path}: expected ${f.sha256}, got ${sha256}`, {
          file: f.path,
          url,
          expected: f.sha256,
          actual: sha256,
          transient: false,
        });
      }
      results.push({ path: f.path, sha256, size, checkedAgainst: f.source });
    }
    await (opts.validate ?? loadAsModel)(staging);
  } catch (e) {
    // Keep partial downloads only for retryable failures (they resume); anything else leaves nothing.
    const resumable = e instanceof DomainError && e.code === 'FETCH_FAILED' && e.transient;
    if (!resumable || !(await containsFile(staging))) await fs.rm(staging, { recursive: true, force: true });
    throw e;
  }

  await fs.mkdir(dir, { recursive: true });
  for (const f of results) {
    await fs.mkdir(path.dirname(path.join(dir, f.path)), { recursive: true });
    await fs.rename(path.join(staging, f.path), path.join(dir, f.path));
  }
  const checksums: ChecksumsRecord = {
    repo: manifest.repo,
    revision: manifest.revision,
    files: Object.fromEntries(results.map((f) => [f.path, { sha256: f.sha256, size: f.size }])),
  };
  await fs.writeFile(path.join(dir, CHECKSUMS_FILE), `${JSON.stringify(checksums, null, 2)}\n`);
  await fs.rm(staging, { recursive: true, force: true });
  return { dir, files: results };
}

/** Streams one URL to `dest` (resuming `dest.part`), returning the sha256 and size of the complete file. */
async function fetchFile(
  url: string,
  dest: string,
  name: string,
  opts: DownloadOptions,
): Promise<{ sha256: string; size: number }> {
  if (await exists(dest)) {
    // Completed in an earlier, interrupted run.
    const { size } = await fs.stat(dest);
    return { sha256: (await hashFile(dest)).digest('hex'), size };
  }
  const part = `${dest}.part`;
  await fs.mkdir(path.dirname(dest), { recursive: true });
  const have = await fs.stat(part).then(
    (s) => s.size,
    () => 0,
  );
  const abort = new AbortController();
  const idleMs = opts.idleTimeoutMs ?? 60_000;
  let idle = setTimeout(() => abort.abort(), idleMs);
  const transient = (message: string, cause?: unknown) =>
    failed(`${message} (${name}); rerun to resume`, { file: name, url, transient: true }, cause);
  try {
    let res: Response;
    try {
      res = await fetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, signal: abort.signal });
    } catch (e) {
      throw transient(`Cannot reach ${url}: ${networkReason(e)}`, e);
    }
    const resumed = res.status === 206;
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw failed(`Downloading ${url} failed: HTTP ${res.status}`, {
        file: name,
        url,
        status: res.status,
        transient: res.status >= 500 || res.status === 429,
      });
    }
    const length = Number(res.headers.get('content-length') ?? NaN);
    const total = Number.isFinite(length) ? length + (resumed ? have : 0) : undefined;
    const hash = resumed ? await hashFile(part) : createHash('sha256');
    let received = resumed ? have : 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        clearTimeout(idle);
        idle = setTimeout(() => abort.abort(), idleMs);
        hash.update(chunk);
        received += chunk.length;
        opts.onProgress?.({ file: name, received, total, resumed });
        done(null, chunk);
      },
    });
    try {
      await pipeline(
        Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
        tap,
        createWriteStream(part, { flags: resumed ? 'a' : 'w' }),
      );
    } catch (e) {
      throw transient(`Download of ${url} was interrupted: ${(e as Error).message}`, e);
    }
    if (total !== undefined && received !== total) throw transient(`Download of ${url} ended early`);
    await fs.rename(part, dest);
    return { sha256: hash.digest('hex'), size: received };
  } finally {
    clearTimeout(idle);
  }
}
