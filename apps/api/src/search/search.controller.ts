import { Body, Controller, HttpCode, Post, UploadedFile, UseInterceptors } from '@nestjs/common';
import { ImageUpload } from '../http/file-upload.interceptor';
import {
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
  getSchemaPath,
  ApiExtraModels,
} from '@nestjs/swagger';
import { AnalyticsService } from '@vitrine/analytics';
import { ValidationError } from '@vitrine/core';
import { SearchService, type SearchTimings } from '@vitrine/search';
import { ApiErrorDto } from '../http/api-error';
import { Consumes } from '../http/media-type.guard';
import { ApiMetrics } from '../metrics/api-metrics';
import { ImageSearchDto, TextSearchDto } from './search.dto';
import { SearchResponseDto, toResponse } from './search-response.dto';
import { toSearchOptions } from './to-search-filters';

/** Multer's view of an uploaded file (memory storage). */
interface UploadedImage {
  readonly buffer: Buffer;
  readonly size: number;
}

@ApiTags('search')
@ApiExtraModels(ImageSearchDto)
@ApiResponse({ status: 400, description: 'invalid request', type: ApiErrorDto })
@ApiResponse({ status: 429, description: 'rate limited', type: ApiErrorDto })
@Controller('v1/search')
export class SearchController {
  constructor(
    private readonly search: SearchService,
    private readonly metrics: ApiMetrics,
    private readonly analytics: AnalyticsService,
  ) {}

  @Post('text')
  @HttpCode(200)
  @Consumes('application/json')
  @ApiOperation({
    summary: 'Search products by words',
    description:
      "The query's embedding is matched against products' image and text vectors, plus full-text search on " +
      'title/description/brand/category, under the filters; fused by weighted RRF, then reranked. Only ' +
      'products with evidence are results (a word match, or a picture as similar to the words as the ' +
      "model's calibrated threshold): a query nothing matches answers no items and total 0. Optional sort, " +
      'facets over all relevant results, highlights, and the spelling correction the search ran on.',
  })
  @ApiOkResponse({ type: SearchResponseDto })
  @ApiResponse({ status: 413, description: 'JSON body larger than 64 kB', type: ApiErrorDto })
  async text(@Body() dto: TextSearchDto): Promise<SearchResponseDto> {
    const timings = newTimings();
    const page = await this.search.searchText(
      {
        query: dto.query,
        ...toSearchOptions(dto),
      },
      timings,
    );
    this.observe('text', timings);
    if (dto.cursor === undefined) recordSearch(this.analytics, 'text', dto.query, page);
    return toResponse(page);
  }

  @Post('image')
  @HttpCode(200)
  @Consumes('multipart/form-data', 'application/json')
  @UseInterceptors(ImageUpload('image'))
  @ApiOperation({
    summary: 'Search products by picture',
    description:
      'Upload the picture as multipart/form-data (part `image`; other fields as form fields, `filters` as JSON), ' +
      'or send JSON with `imageUrl` (fetched server-side; private and loopback addresses are refused). An ' +
      'optional `query` steers the picture ("like this, but in red"). Further pages: JSON `{ "cursor": ... }` ' +
      "and no picture: the cursor carries the picture's embedding, the words and the first page's options.",
  })
  @ApiBody({ schema: { $ref: getSchemaPath(ImageSearchDto) } })
  @ApiOkResponse({ type: SearchResponseDto })
  @ApiResponse({ status: 413, description: 'image larger than IMAGE_MAX_BYTES', type: ApiErrorDto })
  @ApiResponse({ status: 415, description: 'not an image format we decode', type: ApiErrorDto })
  async image(
    @UploadedFile() file: UploadedImage | undefined,
    @Body() dto: ImageSearchDto,
  ): Promise<SearchResponseDto> {
    if (dto.image !== undefined)
      throw new ValidationError('image must be sent as a file part of a multipart/form-data request', {
        field: 'image',
      });
    if (file && dto.imageUrl !== undefined)
      throw new ValidationError('send either an image file or imageUrl, not both', { field: 'imageUrl' });
    if (!file && dto.imageUrl === undefined && dto.cursor === undefined)
      throw new ValidationError(
        'send an image file (multipart part "image"), a JSON body with imageUrl, or the cursor of a page',
        { field: 'image' },
      );
    if (file && file.size === 0) throw new ValidationError('the uploaded image is empty', { field: 'image' });
    const timings = newTimings();
    const page = await this.search.searchImage(
      {
        ...(file ? { image: file.buffer } : dto.imageUrl !== undefined ? { imageUrl: dto.imageUrl } : {}),
        ...(dto.query !== undefined ? { query: dto.query } : {}),
        ...toSearchOptions(dto),
      },
      timings,
    );
    this.observe('image', timings);
    if (dto.cursor === undefined) recordSearch(this.analytics, 'image', dto.query ?? null, page);
    return toResponse(page);
  }

  private observe(kind: string, t: SearchTimings): void {
    this.metrics.searchStage.observe({ kind, stage: 'embed' }, t.embedMs / 1000);
    this.metrics.searchStage.observe({ kind, stage: 'retrieve' }, t.retrieveMs / 1000);
    this.metrics.searchStage.observe({ kind, stage: 'rerank' }, t.rerankMs / 1000);
    this.metrics.searchStage.observe({ kind, stage: 'cards' }, t.cardsMs / 1000);
  }
}

/**
 * A search's first page, for the admin analytics (top and zero-result queries, CTR); later pages answer with the
 * same `queryId` and are not searches of their own. Buffered in memory: nothing on the request's path waits for it.
 */
export function recordSearch(
  analytics: AnalyticsService,
  kind: 'text' | 'image' | 'similar',
  query: string | null,
  page: { readonly queryId: string; readonly total: number },
): void {
  analytics.recordSearch({ queryId: page.queryId, kind, query, total: page.total, at: new Date() });
}

function newTimings(): SearchTimings {
  return { embedMs: 0, retrieveMs: 0, rerankMs: 0, cardsMs: 0 };
}
