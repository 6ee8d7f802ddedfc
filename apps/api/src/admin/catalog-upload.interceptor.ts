import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import multer, { MulterError } from 'multer';
import type { Observable } from 'rxjs';
import { APP_CONFIG, DomainError, ValidationError, type AppConfig } from '@vitrine/core';

/** The field a catalog upload comes in. */
export const CATALOG_FIELD = 'file';

/** The file multer stored. */
export interface StoredFile {
  readonly path: string;
  readonly size: number;
}

/** Where the interceptor left the upload, for the handler. */
export interface CatalogUploadRequest extends FastifyRequest {
  file?: StoredFile;
  catalogUploadDir?: string;
}

/** The raw request multer reads and annotates. */
type RawUpload = IncomingMessage & { file?: StoredFile; catalogUploadDir?: string };

/**
 * Streams the multipart part `file` to a fresh temporary folder (never into memory), bounded by
 * ADMIN_IMPORT_MAX_BYTES: a larger file is a 413 and nothing of it is kept. The import deletes the folder when done.
 */
@Injectable()
export class CatalogUploadInterceptor implements NestInterceptor {
  private readonly upload: ReturnType<ReturnType<typeof multer>['single']>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.upload = multer({
      storage: multer.diskStorage({
        destination: (req: RawUpload, _file, done) => {
          try {
            req.catalogUploadDir = mkdtempSync(join(tmpdir(), 'vitrine-import-'));
            done(null, req.catalogUploadDir);
          } catch (e) {
            done(e as Error, '');
          }
        },
        filename: (_req, _file, done) => done(null, 'catalog.jsonl'),
      }),
      limits: { fileSize: config.http.adminImportMaxBytes, files: 1, fields: 5, fieldSize: 1024, parts: 6 },
    }).single(CATALOG_FIELD);
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<CatalogUploadRequest>();
    // Multer reads the raw request: the API's content-type parser leaves multipart bodies unread.
    const req = request.raw as RawUpload;
    const res = http.getResponse<FastifyReply>().raw;
    await new Promise<void>((resolve, reject) =>
      this.upload(req as never, res as never, (error: unknown) =>
        error ? reject(this.refusal(error)) : resolve(),
      ),
    ).catch((error: unknown) => {
      if (req.catalogUploadDir) rmSync(req.catalogUploadDir, { recursive: true, force: true });
      throw error;
    });
    if (req.file) request.file = req.file;
    if (req.catalogUploadDir) request.catalogUploadDir = req.catalogUploadDir;
    return next.handle();
  }

  private refusal(error: unknown): Error {
    if (!(error instanceof MulterError)) return error instanceof Error ? error : new Error(String(error));
    if (error.code === 'LIMIT_FILE_SIZE') {
      return new DomainError(
        'PAYLOAD_TOO_LARGE',
        `the catalog file is larger than ADMIN_IMPORT_MAX_BYTES (${this.config.http.adminImportMaxBytes} bytes); ` +
          'split it, or import it with `vitrine import` on the server',
        { field: CATALOG_FIELD, maxBytes: this.config.http.adminImportMaxBytes },
      );
    }
    if (error.code === 'LIMIT_UNEXPECTED_FILE' || error.code === 'LIMIT_FILE_COUNT')
      return new ValidationError(`send one catalog file, as the multipart part "${CATALOG_FIELD}"`, {
        field: error.field ?? CATALOG_FIELD,
      });
    return new ValidationError(`invalid multipart upload: ${error.message}`, { field: CATALOG_FIELD });
  }
}
