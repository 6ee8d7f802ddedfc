import { randomUUID } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { DomainError, NotFoundError } from '@vitrine/core';
import { CatalogImportService, MAX_REPORTED_ERRORS } from '@vitrine/catalog';
import type { ImportJobDto } from './admin.dto';

/** Finished jobs kept for their progress URL (the oldest go first). */
const KEEP_FINISHED = 50;
/** How long a stopping API waits for a running import before leaving it (its committed batches stay). */
const STOP_WAIT_MS = 10_000;

interface Job extends ImportJobDto {
  /** Settles when the import has finished. */
  finished?: Promise<void>;
}

/** A catalog file uploaded to a temporary folder of its own, deleted with the folder once imported. */
export interface UploadedCatalog {
  readonly path: string;
  readonly dir: string;
}

/**
 * Catalog imports started over HTTP (`POST /v1/admin/import`), run in the background one at a time by the
 * catalog's {@link CatalogImportService} (the same rules as `vitrine import`, but https image URLs only), with their
 * progress in memory: a job is known to the API process that runs it, until it restarts.
 */
@Injectable()
export class ImportJobs implements OnModuleDestroy {
  private readonly log = new Logger('CatalogImport');
  private readonly jobs = new Map<string, Job>();

  constructor(private readonly importer: CatalogImportService) {}

  /** Starts importing `upload` (its folder is deleted afterwards); `CONFLICT` while another import runs. */
  start(upload: UploadedCatalog): string {
    const running = [...this.jobs.values()].find((j) => j.state === 'running');
    if (running) {
      void fs.rm(upload.dir, { recursive: true, force: true });
      throw new DomainError(
        'CONFLICT',
        `import ${running.jobId} is still running; start the next one when it has finished`,
        { jobId: running.jobId },
      );
    }
    const job: Job = {
      jobId: `import.${randomUUID()}`,
      state: 'running',
      processed: 0,
      created: 0,
      updated: 0,
      unchanged: 0,
      failed: 0,
      errors: [],
      startedAt: new Date().toISOString(),
    };
    this.jobs.set(job.jobId, job);
    this.forgetOld();
    job.finished = this.run(job, upload);
    return job.jobId;
  }

  get(jobId: string): ImportJobDto {
    const job = this.jobs.get(jobId);
    if (!job) throw new NotFoundError('import job', jobId);
    const { finished: _finished, ...shown } = job;
    return { ...shown, errors: [...shown.errors] };
  }

  async onModuleDestroy(): Promise<void> {
    const running = [...this.jobs.values()].flatMap((j) =>
      j.state === 'running' && j.finished ? [{ jobId: j.jobId, finished: j.finished }] : [],
    );
    if (running.length === 0) return;
    this.log.warn(
      `stopping during import ${running.map((j) => j.jobId).join(', ')}: its committed batches are saved; ` +
        're-run it to finish (unchanged products are skipped)',
    );
    await Promise.race([
      Promise.allSettled(running.map((j) => j.finished)),
      new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref()),
    ]);
  }

  private async run(job: Job, upload: UploadedCatalog): Promise<void> {
    try {
      job.total = await countLines(upload.path);
      const report = await this.importer.importFile(upload.path, {
        httpsImagesOnly: true,
        onProgress: (p) => {
          job.processed = p.lines;
        },
        onRejected: (e) => {
          job.failed++;
          if (job.errors.length < MAX_REPORTED_ERRORS) job.errors.push({ line: e.line, message: e.reason });
        },
        onBatch: (r) => {
          job.created += r.created;
          job.updated += r.updated;
          job.unchanged += r.unchanged;
        },
      });
      Object.assign(job, {
        state: 'completed',
        processed: report.lines,
        created: report.created,
        updated: report.updated,
        unchanged: report.unchanged,
        failed: report.rejected,
      });
      this.log.log(
        `import ${job.jobId}: ${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged, ` +
          `${report.rejected} rejected`,
      );
    } catch (error) {
      job.state = 'failed';
      job.failedReason = (error as Error).message;
      this.log.warn(`import ${job.jobId} failed: ${job.failedReason}`);
    } finally {
      job.finishedAt = new Date().toISOString();
      await fs.rm(upload.dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private forgetOld(): void {
    const finished = [...this.jobs.values()].filter((j) => j.state !== 'running');
    for (const job of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED)))
      this.jobs.delete(job.jobId);
  }
}

/** Lines in a file as the import numbers them (a last line without a newline counts). */
async function countLines(file: string): Promise<number> {
  let lines = 0;
  let last = 0x0a;
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines++;
    if (chunk.length > 0) last = chunk[chunk.length - 1]!;
  }
  return last === 0x0a ? lines : lines + 1;
}
