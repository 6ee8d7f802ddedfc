import * as fs from 'node:fs';
import { DomainError, NotFoundError, ValidationError } from '@vitrine/core';
import type { ProductInput, UpsertResult } from '../domain/product';
import type { ProductRepository } from '../repository/product.repository';
import { CATALOG_LIMITS } from '../domain/limits';
import { parseCatalogLine, productInput } from './catalog-line';
import { catalogFolder, resolveImageRef, type CatalogFolder } from './image-refs';
import { readLines, type InputLine } from './line-reader';

/** A rejected line: 1-based line number and why. */
export interface ImportLineError {
  readonly line: number;
  readonly reason: string;
}

export interface ImportProgress {
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly lines: number;
  readonly accepted: number;
  readonly rejected: number;
}

export interface ImportOptions {
  /** Validate and count what would change, writing nothing (each batch is rolled back). */
  readonly dryRun?: boolean;
  /** Products per transaction (default 500). */
  readonly batchSize?: number;
  /** Called for each rejected line as soon as it is read. */
  readonly onRejected?: (error: ImportLineError) => void;
  /**
   * Called after each committed batch with what it changed; awaited, so a slow consumer slows the import rather
   * than piling up work. Not called in a dry run. (Each batch's index work is already committed with it, in the
   * index outbox: nothing needs to be enqueued here.)
   */
  readonly onBatch?: (result: UpsertResult) => void | Promise<void>;
  /** Called every few hundred lines and at the end. */
  readonly onProgress?: (progress: ImportProgress) => void;
  /**
   * Accept only `https://` image URLs, refusing paths (a file uploaded to the API names no folder of the server's
   * that its paths could safely point into). Default false: paths relative to the file's folder are resolved.
   */
  readonly httpsImagesOnly?: boolean;
}

export interface ImportReport {
  readonly file: string;
  readonly dryRun: boolean;
  /** Lines read, including blank and rejected ones. */
  readonly lines: number;
  readonly blank: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  /** Ids of created or updated products (empty in a dry run). */
  readonly changedProductIds: readonly string[];
  /** The first {@link MAX_REPORTED_ERRORS} rejected lines (all of them go to `onRejected`). */
  readonly errors: readonly ImportLineError[];
  readonly durationMs: number;
}

export const MAX_REPORTED_ERRORS = 1000;
const DEFAULT_BATCH_SIZE = 500;
const PROGRESS_EVERY_LINES = 500;

/**
 * Imports a catalog JSONL file (one product per line, see `parseCatalogLine`) by SKU. The file is streamed; valid
 * lines are upserted in batches, each in its own transaction; a bad line is reported and skipped without affecting
 * the others. Within one file a SKU may appear once: later occurrences are rejected. Unchanged products are not
 * written, so importing the same file twice changes nothing.
 */
export class CatalogImportService {
  constructor(private readonly products: ProductRepository) {}

  async importFile(file: string, options: ImportOptions = {}): Promise<ImportReport> {
    const started = performance.now();
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new ValidationError('batchSize must be a positive integer');
    const totalBytes = statFile(file);
    const folder = await catalogFolder(file);
    const dryRun = options.dryRun ?? false;

    const firstLineOf = new Map<string, number>();
    const errors: ImportLineError[] = [];
    const changedProductIds: string[] = [];
    let batch: ProductInput[] = [];
    let lines = 0;
    let blank = 0;
    let accepted = 0;
    let rejected = 0;
    let created = 0;
    let updated = 0;
    let unchanged = 0;
    let bytesRead = 0;

    const progress = (): void =>
      options.onProgress?.({ bytesRead, totalBytes, lines, accepted, rejected: rejected });
    const reject = (line: number, reason: string): void => {
      rejected++;
      const error = { line, reason };
      if (errors.length < MAX_REPORTED_ERRORS) errors.push(error);
      options.onRejected?.(error);
    };
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const writing = batch;
      batch = [];
      let result: UpsertResult;
      try {
        result = await this.products.upsertMany(writing, { dryRun });
      } catch (e) {
        throw new DomainError(
          'UNAVAILABLE',
          `Import of ${file} stopped after line ${lines}: writing a batch of ${writing.length} products failed ` +
            `(${(e as Error).message}). Products in earlier batches were saved; re-run the import to finish it.`,
          { file, line: lines },
          { cause: e },
        );
      }
      created += result.created;
      updated += result.updated;
      unchanged += result.unchanged;
      for (const c of result.changed) changedProductIds.push(c.id);
      if (!dryRun) await options.onBatch?.(result);
    };

    const stream = fs.createReadStream(file, { highWaterMark: 256 * 1024 });
    try {
      for await (const input of readLines(stream, CATALOG_LIMITS.lineBytes)) {
        lines = input.number;
        bytesRead = input.bytesRead;
        const outcome = await this.check(input, folder, firstLineOf, options.httpsImagesOnly ?? false);
        if (outcome === 'blank') blank++;
        else if ('reason' in outcome) reject(input.number, outcome.reason);
        else {
          accepted++;
          firstLineOf.set(outcome.sku, input.number);
          batch.push(outcome);
          if (batch.length >= batchSize) {
            await flush();
            progress();
          }
        }
        if (lines % PROGRESS_EVERY_LINES === 0) progress();
      }
      await flush();
    } finally {
      stream.destroy();
    }
    bytesRead = totalBytes;
    progress();
    return {
      file,
      dryRun,
      lines,
      blank,
      accepted,
      rejected,
      created,
      updated,
      unchanged,
      changedProductIds,
      errors,
      durationMs: Math.round(performance.now() - started),
    };
  }

  private async check(
    input: InputLine,
    folder: CatalogFolder,
    firstLineOf: ReadonlyMap<string, number>,
    httpsOnly: boolean,
  ): Promise<ProductInput | 'blank' | { reason: string }> {
    if ('tooLong' in input) {
      return {
        reason:
          `line is ${formatBytes(input.bytes)}, over the ${formatBytes(CATALOG_LIMITS.lineBytes)} limit ` +
          `(title ≤ ${CATALOG_LIMITS.titleChars} characters, description ≤ ${CATALOG_LIMITS.descriptionChars}, ` +
          `attributes ≤ ${CATALOG_LIMITS.attributesBytes / 1024} KB)`,
      };
    }
    if ('invalidUtf8' in input) return { reason: 'not valid UTF-8' };
    if (input.text.trim() === '') return 'blank';
    const parsed = parseCatalogLine(input.text);
    if (!parsed.ok) return { reason: parsed.reason };
    const line = parsed.line;
    const first = firstLineOf.get(line.sku);
    if (first !== undefined) return { reason: `duplicate SKU "${line.sku}" (first on line ${first})` };
    const images: string[] = [];
    const problems: string[] = [];
    for (const [i, ref] of line.imageRefs.entries()) {
      if (httpsOnly && !/^https:/i.test(ref)) {
        problems.push(`images[${i}]: only https:// URLs are accepted here, not paths or other schemes`);
        continue;
      }
      const resolved = await resolveImageRef(ref, folder);
      if (resolved.ok) images.push(resolved.uri);
      else problems.push(`images[${i}]: ${resolved.reason}`);
    }
    if (problems.length > 0) return { reason: problems.join('; ') };
    return productInput(line, images);
  }
}

function statFile(file: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('catalog file', file);
    throw e;
  }
  if (!stat.isFile()) throw new ValidationError(`${file} is not a file`, { file });
  return stat.size;
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}
