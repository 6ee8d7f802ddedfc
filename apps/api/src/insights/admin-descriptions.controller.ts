import { Body, Controller, Get, HttpCode, Logger, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ValidationError } from '@vitrine/core';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { ChangedProduct } from '@vitrine/catalog';
import { DescriptionService } from '@vitrine/descriptions';
import { ApiErrorDto } from '../http/api-error';
import { ApiKeyGuard } from '../http/api-key.guard';
import { Consumes } from '../http/media-type.guard';
import {
  DescriptionQueueDto,
  DescriptionQueueQueryDto,
  DRAFT_STATUS_OF,
  toQueuedDraftDto,
} from './description-queue.dto';
import {
  DraftDto,
  GenerateMissingDto,
  GenerateMissingResponseDto,
  ReviewDto,
  ReviewResponseDto,
  toDraftDto,
} from './insights.dto';

/** Products per bulk call when the caller does not say: a few seconds of template work, bounded model time. */
const DEFAULT_BULK_LIMIT = 100;

@ApiTags('admin')
@ApiSecurity('api-key')
@ApiResponse({ status: 401, description: 'missing or invalid X-Api-Key', type: ApiErrorDto })
@ApiResponse({
  status: 429,
  description:
    'too many failed admin authentications from this address (ADMIN_AUTH_FAILURES_PER_MINUTE); Retry-After says when to retry',
  type: ApiErrorDto,
})
@ApiResponse({
  status: 400,
  description: 'invalid request (each problem names its field)',
  type: ApiErrorDto,
})
@ApiResponse({ status: 413, description: 'JSON body larger than 256 kB', type: ApiErrorDto })
@UseGuards(ApiKeyGuard)
@SkipThrottle()
@Controller('v1/admin')
export class AdminDescriptionsController {
  private readonly log = new Logger('Descriptions');

  constructor(private readonly descriptions: DescriptionService) {}

  @Get('products/:id/descriptions')
  @ApiOperation({ summary: "A product's description drafts, newest first" })
  @ApiOkResponse({ type: [DraftDto] })
  @ApiResponse({ status: 404, type: ApiErrorDto })
  async drafts(@Param('id') id: string): Promise<DraftDto[]> {
    return (await this.descriptions.drafts(id)).map(toDraftDto);
  }

  @Get('descriptions')
  @ApiOperation({
    summary: 'The approval queue: drafts waiting for review (or already approved or rejected), oldest first',
    description:
      'Each draft with its product title, SKU and first usable picture; approve or reject it with ' +
      'POST /v1/admin/descriptions/:id/approve|reject. `nextCursor` gives the next page.',
  })
  @ApiOkResponse({ type: DescriptionQueueDto })
  async queue(@Query() query: DescriptionQueueQueryDto): Promise<DescriptionQueueDto> {
    const page = await this.descriptions.queue(
      DRAFT_STATUS_OF[query.status ?? 'pending'],
      query.limit ?? 20,
      query.cursor === undefined ? undefined : decodeCursor(query.cursor),
    );
    return {
      // A draft goes with its product: one missing here was deleted between the two reads.
      items: page.items.flatMap(({ draft, product }) => (product ? [toQueuedDraftDto(draft, product)] : [])),
      nextCursor: page.next === null ? null : Buffer.from(page.next, 'utf8').toString('base64url'),
    };
  }

  @Post('descriptions/:id/approve')
  @HttpCode(200)
  @Consumes('application/json')
  @ApiOperation({
    summary: 'Approve a draft: its text becomes the product description (and the product is re-indexed)',
    description: '409 when the draft was already reviewed, or the product changed after it was written.',
  })
  @ApiOkResponse({ type: ReviewResponseDto })
  @ApiResponse({ status: 404, type: ApiErrorDto })
  @ApiResponse({ status: 409, type: ApiErrorDto })
  async approve(@Param('id') id: string, @Body() dto: ReviewDto): Promise<ReviewResponseDto> {
    const { draft, published } = await this.descriptions.review(id, 'approve', dto.note ?? null);
    return {
      draft: toDraftDto(draft),
      published: published !== undefined,
      indexQueued: await this.reindex(published),
    };
  }

  @Post('descriptions/:id/reject')
  @HttpCode(200)
  @Consumes('application/json')
  @ApiOperation({ summary: 'Reject a draft (409 when it was already reviewed)' })
  @ApiOkResponse({ type: ReviewResponseDto })
  @ApiResponse({ status: 404, type: ApiErrorDto })
  @ApiResponse({ status: 409, type: ApiErrorDto })
  async reject(@Param('id') id: string, @Body() dto: ReviewDto): Promise<ReviewResponseDto> {
    const { draft } = await this.descriptions.review(id, 'reject', dto.note ?? null);
    return { draft: toDraftDto(draft), published: false, indexQueued: false };
  }

  @Post('descriptions/generate-missing')
  @HttpCode(200)
  @Consumes('application/json')
  @ApiOperation({
    summary: 'Bulk: drafts for products that have no description',
    description:
      'Generates up to `limit` drafts of `style` for products without a description and without a pending or ' +
      'approved draft of that style. Stateless: call again until `remaining` is 0 (`vitrine insights describe` ' +
      'does the whole catalog from the command line).',
  })
  @ApiOkResponse({ type: GenerateMissingResponseDto })
  generateMissing(@Body() dto: GenerateMissingDto): Promise<GenerateMissingResponseDto> {
    return this.descriptions.generateMissing(dto.style, dto.limit ?? DEFAULT_BULK_LIMIT);
  }

  /**
   * Publishing wrote the product's re-indexing to the catalog's outbox with the new description, and the catalog
   * announced it to the indexer (`CatalogChanges`): nothing to do here but say so.
   */
  private reindex(published: ChangedProduct | undefined): Promise<boolean> {
    if (!published) return Promise.resolve(false);
    this.log.log(`published a description for product ${published.id}; re-indexing queued`);
    return Promise.resolve(true);
  }
}

/** The position a `nextCursor` stands for (the repository checks its form). */
function decodeCursor(cursor: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor))
    throw new ValidationError('cursor is not one this list returned', { field: 'cursor' });
  return Buffer.from(cursor, 'base64url').toString('utf8');
}
