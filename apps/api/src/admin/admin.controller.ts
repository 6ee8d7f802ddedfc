import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  MessageEvent,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Sse,
  UseGuards,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Observable } from 'rxjs';
import { ApiErrorDto } from '../http/api-error';
import { ApiKeyGuard } from '../http/api-key.guard';
import { Consumes } from '../http/media-type.guard';
import { ApiProgressStream, PROGRESS_INTERVAL_MS, progressStream } from '../http/progress-stream';
import { AdminProductWriteDto } from '../products/product-detail.dto';
import {
  AdminProductListDto,
  AdminProductListQueryDto,
  IndexStatusDto,
  ProductDeleteBySkuResponseDto,
  ProductPatchDto,
  ProductReplaceDto,
  IndexFailuresDto,
  IndexFailuresQueryDto,
  JobAcceptedDto,
  JobProgressDto,
  ProductDeleteResponseDto,
  ProductUpsertDto,
  ProductUpsertResponseDto,
} from './admin.dto';
import { AdminService } from './admin.service';

/** How often the event stream samples job progress. */
const FINISHED = new Set(['completed', 'failed']);

@ApiTags('admin')
@ApiSecurity('api-key')
@ApiResponse({ status: 401, description: 'missing or invalid X-Api-Key', type: ApiErrorDto })
@ApiResponse({
  status: 507,
  description: 'INSUFFICIENT_STORAGE: the server is out of disk space; nothing was written, retry later',
  type: ApiErrorDto,
})
@ApiResponse({
  status: 429,
  description:
    'too many failed admin authentications from this address (ADMIN_AUTH_FAILURES_PER_MINUTE); Retry-After says when to retry',
  type: ApiErrorDto,
})
@UseGuards(ApiKeyGuard)
@SkipThrottle()
@Controller('v1/admin')
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Post('products')
  @HttpCode(200)
  @Consumes('application/json')
  @ApiOperation({
    summary: 'Create or update a product by SKU',
    description: 'Same fields and rules as a catalog JSONL line; images must be https URLs. Queues indexing.',
  })
  @ApiOkResponse({ type: ProductUpsertResponseDto })
  @ApiResponse({
    status: 400,
    description: 'invalid product (each problem names its field)',
    type: ApiErrorDto,
  })
  @ApiResponse({ status: 413, description: 'JSON body larger than 256 kB', type: ApiErrorDto })
  upsert(@Body() dto: ProductUpsertDto): Promise<ProductUpsertResponseDto> {
    return this.admin.upsert(dto);
  }

  @Get('products')
  @ApiOperation({
    summary: 'List products with their index state',
    description:
      'In SKU order, `limit` per page, `nextCursor` for the next. `q` matches a SKU prefix, or titles holding all ' +
      'its words (case-insensitive).',
  })
  @ApiOkResponse({ type: AdminProductListDto })
  @ApiResponse({
    status: 400,
    description: 'limit out of range, or a cursor this list did not return',
    type: ApiErrorDto,
  })
  list(@Query() query: AdminProductListQueryDto): Promise<AdminProductListDto> {
    return this.admin.list(query);
  }

  @Patch('products/:id')
  @Consumes('application/json')
  @ApiOperation({
    summary: 'Change some fields of a product',
    description:
      'Fields absent from the body keep their values; the SKU cannot change. The merged product is checked with ' +
      'the same rules as POST /v1/admin/products; a change queues re-indexing. Answers with the product as ' +
      'GET /v1/products/:id shows it, plus `change` and `indexQueued`.',
  })
  @ApiOkResponse({ type: AdminProductWriteDto })
  @ApiResponse({
    status: 400,
    description: 'invalid field (each problem names its field)',
    type: ApiErrorDto,
  })
  @ApiResponse({ status: 404, description: 'no such product', type: ApiErrorDto })
  @ApiResponse({ status: 413, description: 'JSON body larger than 256 kB', type: ApiErrorDto })
  patch(@Param('id') id: string, @Body() dto: ProductPatchDto): Promise<AdminProductWriteDto> {
    return this.admin.patch(id, dto);
  }

  @Put('products/by-sku/:sku')
  @Consumes('application/json')
  @ApiOperation({
    summary: 'Create or replace the product stored under a SKU',
    description:
      'The whole product (fields left out take their defaults), as POST /v1/admin/products with the SKU in the path.',
  })
  @ApiOkResponse({ type: ProductUpsertResponseDto })
  @ApiResponse({
    status: 400,
    description: 'invalid product (each problem names its field)',
    type: ApiErrorDto,
  })
  @ApiResponse({ status: 413, description: 'JSON body larger than 256 kB', type: ApiErrorDto })
  replace(@Param('sku') sku: string, @Body() dto: ProductReplaceDto): Promise<ProductUpsertResponseDto> {
    return this.admin.upsert({ ...dto, sku });
  }

  @Delete('products/by-sku/:sku')
  @ApiOperation({ summary: 'Delete the product stored under a SKU (its vectors are removed by the indexer)' })
  @ApiOkResponse({ type: ProductDeleteBySkuResponseDto })
  @ApiResponse({ status: 404, description: 'no product has this SKU', type: ApiErrorDto })
  removeBySku(@Param('sku') sku: string): Promise<ProductDeleteBySkuResponseDto> {
    return this.admin.deleteBySku(sku);
  }

  @Get('index')
  @ApiOperation({
    summary: 'Where the search index stands',
    description:
      'The collection searches read, the model in service, products by index state, and the last reindex this API ' +
      'process started (its progress as GET /v1/admin/jobs/:id gives it).',
  })
  @ApiOkResponse({ type: IndexStatusDto })
  indexStatus(): Promise<IndexStatusDto> {
    return this.admin.indexStatus();
  }

  @Delete('products/:id')
  @ApiOperation({ summary: 'Delete a product (its vectors are removed by the indexer)' })
  @ApiOkResponse({ type: ProductDeleteResponseDto })
  @ApiResponse({ status: 404, type: ApiErrorDto })
  async remove(@Param('id') id: string): Promise<ProductDeleteResponseDto> {
    await this.admin.delete(id);
    return { id, deleted: true };
  }

  @Post('reindex')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Start a full, zero-downtime reindex',
    description: 'Builds a new collection and switches the search alias when done; returns the job id.',
  })
  @ApiAcceptedResponse({ type: JobAcceptedDto })
  async reindex(): Promise<JobAcceptedDto> {
    const jobId = await this.admin.startReindex();
    const progressUrl = `/v1/admin/jobs/${encodeURIComponent(jobId)}`;
    return { jobId, progressUrl, eventsUrl: `${progressUrl}/events` };
  }

  @Get('index/failures')
  @ApiOperation({
    summary: 'Products that could not be indexed, with the reason of their last attempt',
    description:
      'Most recent first, `limit`/`offset` paging. A full reindex switches the alias only when at most ' +
      'REINDEX_MAX_FAILED_RATIO of the products failed; `vitrine index sync --retry-failed` retries them.',
  })
  @ApiOkResponse({ type: IndexFailuresDto })
  @ApiResponse({ status: 400, description: 'limit or offset out of range', type: ApiErrorDto })
  failures(@Query() query: IndexFailuresQueryDto): Promise<IndexFailuresDto> {
    return this.admin.failures(query);
  }

  @Get('jobs/:id')
  @ApiOperation({ summary: 'Progress of a reindex job' })
  @ApiOkResponse({ type: JobProgressDto })
  @ApiResponse({ status: 404, type: ApiErrorDto })
  progress(@Param('id') id: string): Promise<JobProgressDto> {
    return this.admin.progress(id);
  }

  @Sse('jobs/:id/events')
  @ApiOperation({
    summary: 'Progress of a reindex job as server-sent events',
    description: `One \`progress\` event every ${PROGRESS_INTERVAL_MS} ms until the job completes or fails (the last event says which).`,
  })
  @ApiProgressStream(JobProgressDto, 'reindex job')
  events(@Param('id') id: string): Promise<Observable<MessageEvent>> {
    return progressStream(
      () => this.admin.progress(id),
      (p) => FINISHED.has(p.state),
    );
  }
}
