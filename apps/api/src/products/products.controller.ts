import { createReadStream, promises as fs } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Controller,
  Get,
  Param,
  ParseIntPipe,
  Query,
  Res,
  createParamDecorator,
  type ExecutionContext,
} from '@nestjs/common';
import {
  ApiFoundResponse,
  ApiQuery,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AnalyticsService } from '@vitrine/analytics';
import { CATALOG_LIMITS } from '@vitrine/catalog';
import { NotFoundError, ValidationError } from '@vitrine/core';
import { SearchService } from '@vitrine/search';
import { ApiErrorDto } from '../http/api-error';
import { IntRangePipe } from '../http/int-range.pipe';
import { apiValidationPipe, screenInput } from '../http/validation';
import { BrowseQueryDto, SimilarQueryDto } from '../search/search.dto';
import { SearchResponseDto, toResponse } from '../search/search-response.dto';
import { recordSearch } from '../search/search.controller';
import { toBrowseRequest, toSearchOptions } from '../search/to-search-filters';

/** `attr.<name>=<value>` filters; at most as many as a search's attribute filters. */
const ATTRIBUTE_PARAM = /^attr\.([A-Za-z0-9_-]{1,64})$/;
const MAX_ATTRIBUTE_PARAMS = 32;

/**
 * The raw query string of a browse: `attr.<name>` parameters are attribute filters, which a DTO cannot declare,
 * so the controller validates the rest itself (with the API's validation pipe) instead of the global pipe.
 */
const RawQuery = createParamDecorator(
  (_: unknown, ctx: ExecutionContext) =>
    ctx.switchToHttp().getRequest<FastifyRequest>().query as Record<string, unknown>,
);
const browsePipe = apiValidationPipe();

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.avif': 'image/avif',
};

@ApiTags('products')
@ApiResponse({
  status: 400,
  description: 'invalid parameter (control characters, an id over 256 characters, a bad option)',
  type: ApiErrorDto,
})
@ApiResponse({ status: 404, description: 'no such product or image', type: ApiErrorDto })
@ApiResponse({ status: 429, description: 'rate limited', type: ApiErrorDto })
@Controller('v1/products')
export class ProductsController {
  constructor(
    private readonly search: SearchService,
    private readonly analytics: AnalyticsService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Browse products (no query)',
    description:
      'Products matching the filters in the chosen order (default newest), with facets over every matching ' +
      'product and cursor paging; the same response as a search (score 0). Attribute filters: `attr.<name>=' +
      '<value>` (values compare as text without case: attr.size=42 matches 42). A price bound needs `currency` ' +
      'when the catalog prices in several currencies.',
  })
  @ApiQuery({ type: BrowseQueryDto })
  @ApiQuery({
    name: 'attr.color',
    required: false,
    schema: { type: 'string' },
    description: 'any `attr.<name>` parameter filters on that attribute (this one is an example)',
  })
  @ApiOkResponse({ type: SearchResponseDto })
  async browse(@RawQuery() raw: Record<string, unknown>): Promise<SearchResponseDto> {
    const rest: Record<string, unknown> = {};
    const attributes: Record<string, string> = {};
    for (const [key, value] of Object.entries(raw)) {
      const m = ATTRIBUTE_PARAM.exec(key);
      if (!m) {
        rest[key] = value;
        continue;
      }
      if (typeof value !== 'string' || value.trim() === '' || value.length > 200)
        throw new ValidationError(`${key} must be one non-empty value of at most 200 characters`, {
          field: key,
        });
      attributes[m[1]!] = value.trim();
    }
    if (Object.keys(attributes).length > MAX_ATTRIBUTE_PARAMS)
      throw new ValidationError(`at most ${MAX_ATTRIBUTE_PARAMS} attr.<name> filters`, { field: 'attr' });
    screenInput(attributes, 'attr');
    const dto = (await browsePipe.transform(rest, {
      type: 'query',
      metatype: BrowseQueryDto,
      data: undefined,
    })) as BrowseQueryDto;
    return toResponse(await this.search.browse(toBrowseRequest(dto, attributes)));
  }

  @Get(':id/similar')
  @ApiOperation({ summary: "Products nearest to a product's own picture and description (never itself)" })
  @ApiOkResponse({ type: SearchResponseDto })
  @ApiResponse({ status: 409, description: 'the product is not indexed yet', type: ApiErrorDto })
  async similar(@Param('id') id: string, @Query() q: SimilarQueryDto): Promise<SearchResponseDto> {
    const page = await this.search.similar(id, toSearchOptions(q));
    if (q.cursor === undefined) recordSearch(this.analytics, 'similar', null, page);
    return toResponse(page);
  }

  @Get(':id/images/:position')
  @ApiOperation({
    summary: "A product's image",
    description: 'Streams images stored with the catalog (file URIs); redirects to the image host otherwise.',
  })
  @ApiParam({ name: 'position', schema: { type: 'integer', minimum: 0, maximum: CATALOG_LIMITS.images - 1 } })
  @ApiProduces('image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/avif')
  @ApiOkResponse({ description: 'the image bytes' })
  @ApiFoundResponse({ description: 'redirect to the https URL of the image' })
  async image(
    @Param('id') id: string,
    @Param(
      'position',
      new ParseIntPipe({ errorHttpStatusCode: 404 }),
      new IntRangePipe(0, CATALOG_LIMITS.images - 1, 'NOT_FOUND'),
    )
    position: number,
    @Res() res: FastifyReply,
  ): Promise<void> {
    const uri = await this.search.productImageUri(id, position);
    if (uri.startsWith('https:') || uri.startsWith('http:')) {
      void res.redirect(uri, 302);
      return;
    }
    const path = fileURLToPath(uri);
    const stat = await fs.stat(path).catch(() => undefined);
    if (!stat?.isFile()) throw new NotFoundError('image file', `${id}/${position}`);
    // Fastify streams the file and destroys the stream when the client goes away.
    void res
      .header('Content-Type', CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream')
      .header('Content-Length', String(stat.size))
      .header('Cache-Control', 'public, max-age=3600')
      .header('X-Content-Type-Options', 'nosniff')
      .send(createReadStream(path));
  }
}
