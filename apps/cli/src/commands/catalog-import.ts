import * as fs from 'node:fs';
import * as path from 'node:path';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { NotFoundError, type AppConfig } from '@vitrine/core';
import { openCliContext } from '../cli.module';
import {
  CatalogImportService,
  type ImportLineError,
  type ImportProgress,
  type ImportReport,
} from '@vitrine/catalog';

export interface CatalogImportArgs {
  readonly file: string;
  readonly dryRun: boolean;
  readonly batchSize?: number;
}

/** Where the command writes; the real process streams in the CLI, captured ones in tests. */
export interface CommandIo {
  readonly config: AppConfig;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean };
}

/** Plain progress lines (no TTY: CI logs, pipes) at most this often. */
const PLAIN_PROGRESS_INTERVAL_MS = 2000;

/**
 * `vitrine catalog import <file> [--dry-run]`. Rejected lines go to stderr as `line N: reason` while the import
 * runs, the summary to stdout. Returns the exit code: 0 when every line was accepted, 1 when any was rejected
 * (the good lines are imported all the same).
 */
export async function runCatalogImport(args: CatalogImportArgs, io: CommandIo): Promise<number> {
  // Before opening the database: starting embedded PGlite takes seconds, a typo should not.
  if (!fs.existsSync(args.file)) throw new NotFoundError('catalog file', args.file);
  const app = await openCliContext(io.config, { scope: 'catalog' });
  const progress = io.stderr.isTTY ? new ProgressBar(io.stderr) : new ProgressLines(io.stderr);
  let report: ImportReport;
  try {
    report = await app.get(CatalogImportService).importFile(args.file, {
      dryRun: args.dryRun,
      batchSize: args.batchSize,
      onRejected: (e) => progress.log(formatRejection(e)),
      onProgress: (p) => progress.update(p),
    });
  } finally {
    progress.stop();
    await app.close();
  }
  io.stdout.write(summary(report));
  if (report.rejected > 0) {
    io.stderr.write(
      `${report.rejected} line${report.rejected === 1 ? '' : 's'} rejected (listed above); ` +
        `${report.accepted} accepted line${report.accepted === 1 ? ' was' : 's were'} ` +
        `${report.dryRun ? 'checked' : 'imported'}.\n`,
    );
    return 1;
  }
  return 0;
}

export function formatRejection(e: ImportLineError): string {
  return `line ${e.line}: ${e.reason}\n`;
}

function summary(r: ImportReport): string {
  const seconds = (r.durationMs / 1000).toFixed(1);
  const name = path.basename(r.file);
  const lines =
    `${r.lines} lines: ${r.accepted} accepted, ${r.rejected} rejected` +
    (r.blank ? `, ${r.blank} blank` : '');
  return r.dryRun
    ? `Dry run of ${name} (${seconds} s), nothing written. ${lines}.\n` +
        `Would create ${r.created}, update ${r.updated}; ${r.unchanged} unchanged.\n`
    : `Imported ${name} in ${seconds} s. ${lines}.\n` +
        `Products: ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged.\n` +
        (r.created + r.updated > 0
          ? `Their indexing is recorded in the catalog's index outbox: a running API or indexer picks it up ` +
            `(or run \`vitrine index sync\`).\n`
          : '');
}

interface ProgressView {
  update(p: ImportProgress): void;
  log(text: string): void;
  stop(): void;
}

/** A bar over the bytes of the file, with rejected lines printed above it. */
class ProgressBar implements ProgressView {
  private readonly bars: MultiBar;
  private bar: SingleBar | undefined;

  constructor(stream: NodeJS.WritableStream) {
    this.bars = new MultiBar(
      {
        stream,
        format: 'importing |{bar}| {percentage}% | {lines} lines, {rejected} rejected | ETA {eta_formatted}',
        hideCursor: true,
        clearOnComplete: false,
      },
      Presets.shades_classic,
    );
  }

  update(p: ImportProgress): void {
    const payload = { lines: p.lines, rejected: p.rejected };
    this.bar ??= this.bars.create(Math.max(p.totalBytes, 1), 0, payload);
    this.bar.update(p.bytesRead, payload);
  }

  log(text: string): void {
    this.bars.log(text);
  }

  stop(): void {
    this.bars.update(); // flushes lines logged since the last redraw
    this.bars.stop();
  }
}

/** For logs and pipes: a line every few seconds (none for a short import), rejected lines as they come. */
class ProgressLines implements ProgressView {
  private last = Date.now();

  constructor(private readonly stream: NodeJS.WritableStream) {}

  update(p: ImportProgress): void {
    const now = Date.now();
    if (now - this.last < PLAIN_PROGRESS_INTERVAL_MS || p.bytesRead >= p.totalBytes) return;
    this.last = now;
    const percent = p.totalBytes ? Math.floor((100 * p.bytesRead) / p.totalBytes) : 100;
    this.stream.write(`importing: ${percent}% (${p.lines} lines, ${p.rejected} rejected)\n`);
  }

  log(text: string): void {
    this.stream.write(text);
  }

  stop(): void {}
}
