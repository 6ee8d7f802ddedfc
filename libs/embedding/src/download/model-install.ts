import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { z } from 'zod';
import { DomainError, JsonFileError, parseJsonFile } from '@vitrine/core';
import { MODEL_FILES } from '../model/model-dir';
import { modelInvalid } from '../model/model-errors';
import { OnnxEmbeddingProvider } from '../onnx/onnx-embedding-provider';
import { CHECKSUMS_FILE, type ChecksumsRecord, type DownloadResult } from './model-download';

/** Written by tools/multilingual-clip/export.py next to the model it exports: what it made, from what. */
export const EXPORT_MANIFEST_FILE = 'export.json';

const exportManifestSchema = z.looseObject({
  name: z.string().min(1),
  text: z.looseObject({ repo: z.string().min(1), revision: z.string().min(1) }),
  vision: z.looseObject({ repo: z.string().min(1), revision: z.string().min(1) }),
  files: z.record(
    z.string().min(1),
    z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative() }),
  ),
});
export type ExportManifest = z.infer<typeof exportManifestSchema>;

export interface InstallOptions {
  /** The model name the folder must have been exported as (`export.json` `name`). */
  readonly name: string;
  /** The exported folder. It is copied, never moved or changed. */
  readonly from: string;
  /** Target directory; written only once the copy is verified and loads. */
  readonly dir: string;
  /** Checks the copied directory before it is installed. Default: load it as an embedding model. */
  readonly validate?: (dir: string) => Promise<void>;
}

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function readManifest(from: string): Promise<{ manifest: ExportManifest; text: string }> {
  const file = path.join(from, EXPORT_MANIFEST_FILE);
  const text = await fs.readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw modelInvalid(
      from,
      `cannot read ${EXPORT_MANIFEST_FILE} (${e.code ?? String(e)}); --from takes a folder written by ` +
        'tools/multilingual-clip/export.py',
      e,
    );
  });
  let json: unknown;
  try {
    json = parseJsonFile(text, EXPORT_MANIFEST_FILE);
  } catch (e) {
    throw modelInvalid(
      from,
      e instanceof JsonFileError ? e.message : `${EXPORT_MANIFEST_FILE} is not JSON`,
      e,
    );
  }
  const r = exportManifestSchema.safeParse(json);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw modelInvalid(from, `${EXPORT_MANIFEST_FILE}: ${issues}`);
  }
  return { manifest: r.data, text };
}

async function loadAsModel(dir: string): Promise<void> {
  const provider = await OnnxEmbeddingProvider.load({
    modelDir: dir,
    logger: { log: () => undefined, warn: () => undefined },
  });
  await provider.close();
}

/**
 * Installs a model exported on another machine (tools/multilingual-clip/export.py) the way `downloadModel`
 * installs a download: every file listed in the folder's `export.json` is checked against its sha256 while it is
 * copied into a staging folder next to `dir`, the copy must load as an embedding model, and only then does it
 * replace the files in `dir`, with a `checksums.json` recording what was installed and from which export.
 *
 * Errors: `MODEL_INVALID` (no or malformed export.json, a file missing from it or not matching it, a model that
 * does not load; nothing is left behind), `VALIDATION_FAILED` (the folder was exported as another model).
 */
export async function installExportedModel(opts: InstallOptions): Promise<DownloadResult> {
  const from = path.resolve(opts.from);
  const dir = path.resolve(opts.dir);
  if (from === dir) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `--from and the target directory are the same folder (${dir})`,
      {
        dir,
      },
    );
  }
  const { manifest, text } = await readManifest(from);
  if (manifest.name !== opts.name) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `${from} holds an export of ${manifest.name}, not ${opts.name}`,
      { expected: opts.name, found: manifest.name },
    );
  }
  const listed = Object.keys(manifest.files);
  const missing = Object.values(MODEL_FILES).filter((f) => !listed.includes(f));
  if (missing.length) throw modelInvalid(from, `${EXPORT_MANIFEST_FILE} does not list ${missing.join(', ')}`);
  for (const f of listed) {
    if (path.isAbsolute(f) || f.split(/[\\/]/).includes('..'))
      throw modelInvalid(from, `${EXPORT_MANIFEST_FILE} lists a file outside the folder: ${f}`);
  }

  const staging = path.join(path.dirname(dir), `.${path.basename(dir)}.install`);
  await fs.rm(staging, { recursive: true, force: true });
  const results: DownloadResult['files'][number][] = [];
  try {
    for (const [file, want] of Object.entries(manifest.files)) {
      const src = path.join(from, file);
      const dst = path.join(staging, file);
      await fs.mkdir(path.dirname(dst), { recursive: true });
      await fs.copyFile(src, dst).catch((e: NodeJS.ErrnoException) => {
        throw modelInvalid(
          from,
          `${file} is listed in ${EXPORT_MANIFEST_FILE} but cannot be read (${e.code})`,
          e,
        );
      });
      const got = await sha256(dst);
      const { size } = await fs.stat(dst);
      if (got !== want.sha256 || size !== want.size) {
        throw modelInvalid(
          from,
          `${file} does not match ${EXPORT_MANIFEST_FILE} (sha256 ${got.slice(0, 12)}…, ${size} bytes; ` +
            `expected ${want.sha256.slice(0, 12)}…, ${want.size} bytes): an incomplete copy?`,
        );
      }
      results.push({ path: file, sha256: got, size, checkedAgainst: 'pinned' });
    }
    await fs.copyFile(path.join(from, EXPORT_MANIFEST_FILE), path.join(staging, EXPORT_MANIFEST_FILE));
    await (opts.validate ?? loadAsModel)(staging);
  } catch (e) {
    await fs.rm(staging, { recursive: true, force: true });
    throw e;
  }

  await fs.mkdir(dir, { recursive: true });
  for (const f of [...results.map((r) => r.path), EXPORT_MANIFEST_FILE]) {
    await fs.mkdir(path.dirname(path.join(dir, f)), { recursive: true });
    await fs.rename(path.join(staging, f), path.join(dir, f));
  }
  const record: ChecksumsRecord = {
    repo: `export:${manifest.text.repo}+${manifest.vision.repo}`,
    revision: createHash('sha256').update(text).digest('hex').slice(0, 12),
    files: Object.fromEntries(results.map((f) => [f.path, { sha256: f.sha256, size: f.size }])),
  };
  await fs.writeFile(path.join(dir, CHECKSUMS_FILE), `${JSON.stringify(record, null, 2)}\n`);
  await fs.rm(staging, { recursive: true, force: true });
  return { dir, files: results };
}
