import {
  Controller,
  Get,
  HttpCode,
  MessageEvent,
  Param,
  Post,
  Req,
  Sse,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Observable } from 'rxjs';
import { ValidationError } from '@vitrine/core';
import { ApiErrorDto } from '../http/api-error';
import { ApiKeyGuard } from '../http/api-key.guard';
import { Consumes } from '../http/media-type.guard';
import { ApiProgressStream, PROGRESS_INTERVAL_MS, progressStream } from '../http/progress-stream';
import { ImportAcceptedDto, ImportJobDto, ImportUploadDto } from './admin.dto';
import {
  CATALOG_FIELD,
  CatalogUploadInterceptor,
  type CatalogUploadRequest,
} from './catalog-upload.interceptor';
import { ImportJobs } from './import-jobs.service';

/** How often the event stream samples an import's progress. */

@ApiTags('admin')
@ApiSecurity('api-key')
@ApiResponse({ status: 401, description: 'missing or invalid X-Api-Key', type: ApiErrorDto })
@ApiResponse({
  status: 429,
  description:
    'too many failed admin authentications from this address (ADMIN_AUTH_FAILURES_PER_MINUTE); Retry-After says when to retry',
  type: ApiErrorDto,
})
@UseGuards(ApiKeyGuard)
@SkipThrottle()
@Controller('v1/admin')
export class AdminImportController {
  constructor(private readonly imports: ImportJobs) {}

  @Post('import')
  @HttpCode(202)
  @Consumes('multipart/form-data')
  @UseInterceptors(CatalogUploadInterceptor)
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: ImportUploadDto })
  @ApiOperation({
    summary: 'Import a catalog file (JSONL) in the background',
    description:
      'The file is the one `vitrine import` reads (one product per line, by SKU; bad lines are reported and ' +
      'skipped), sent as the multipart part `file`, at most ADMIN_IMPORT_MAX_BYTES. Images must be https URLs: a ' +
      'path would name a file on the server, so lines with one are rejected. One import runs at a time. Follow it ' +
      'with the returned progressUrl or eventsUrl.',
  })
  @ApiAcceptedResponse({ type: ImportAcceptedDto })
  @ApiResponse({ status: 400, description: 'no file part, or another part than `file`', type: ApiErrorDto })
  @ApiResponse({ status: 409, description: 'another import is running', type: ApiErrorDto })
  @ApiResponse({ status: 413, description: 'file larger than ADMIN_IMPORT_MAX_BYTES', type: ApiErrorDto })
  @ApiResponse({ status: 415, description: 'not multipart/form-data', type: ApiErrorDto })
  start(@Req() req: CatalogUploadRequest): ImportAcceptedDto {
    const file = req.file;
    if (!file || !req.catalogUploadDir)
      throw new ValidationError(`send the catalog file as the multipart part "${CATALOG_FIELD}"`, {
        field: CATALOG_FIELD,
      });
    const jobId = this.imports.start({ path: file.path, dir: req.catalogUploadDir });
    const progressUrl = `/v1/admin/imports/${encodeURIComponent(jobId)}`;
    return { jobId, progressUrl, eventsUrl: `${progressUrl}/events` };
  }

  @Get('imports/:jobId')
  @ApiOperation({ summary: 'Progress and counts of a catalog import' })
  @ApiOkResponse({ type: ImportJobDto })
  @ApiResponse({
    status: 404,
    description: 'no such import (jobs live in the API process that ran them, until it restarts)',
    type: ApiErrorDto,
  })
  progress(@Param('jobId') jobId: string): ImportJobDto {
    return this.imports.get(jobId);
  }

  @Sse('imports/:jobId/events')
  @ApiOperation({
    summary: 'Progress of a catalog import as server-sent events',
    description: `One \`progress\` event every ${PROGRESS_INTERVAL_MS} ms until the import completes or fails (the last event says which).`,
  })
  @ApiProgressStream(ImportJobDto, 'import')
  events(@Param('jobId') jobId: string): Promise<Observable<MessageEvent>> {
    return progressStream(
      () => this.imports.get(jobId),
      (p) => p.state !== 'running',
    );
  }
}
