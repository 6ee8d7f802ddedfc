import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import type { SearchPage, SearchResultItem } from '@vitrine/search';

export class MoneyDto {
  @ApiProperty({ example: '12.9', description: 'exact decimal string' })
  amount!: string;
  @ApiProperty({ example: 'EUR' })
  currency!: string;
}

/** What a shopper sees of a product in a list: search results and the chat's products. */
export class ProductSummaryDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ example: 'VT-GAR-01000' })
  sku!: string;
  @ApiProperty({ example: 'Fresh Bouquet' })
  title!: string;
  @ApiProperty({ type: String, nullable: true })
  brand!: string | null;
  @ApiProperty({ type: String, nullable: true })
  category!: string | null;
  @ApiProperty({ type: MoneyDto, nullable: true })
  price!: MoneyDto | null;
  @ApiProperty()
  inStock!: boolean;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '/v1/products/2b0c…/images/0',
    description: 'served by this API (the file, or a redirect to the image host)',
  })
  imageUrl!: string | null;
}

const RANGE = {
  type: 'array',
  items: { type: 'integer' },
  minItems: 2,
  maxItems: 2,
  description: '[start, end): UTF-16 offsets, end exclusive',
} as const;

export class DescriptionHighlightDto {
  @ApiProperty({ description: 'at most 160 characters of the description around the first match' })
  text!: string;
  @ApiProperty({ type: 'array', items: RANGE, description: 'matches within `text`' })
  ranges!: [number, number][];
}

export class HighlightsDto {
  @ApiPropertyOptional({ type: 'array', items: RANGE, description: 'matches within the title' })
  title?: [number, number][];
  @ApiPropertyOptional({ type: DescriptionHighlightDto })
  description?: DescriptionHighlightDto;
}

export class FacetCountDto {
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'boolean' }], example: 'Garden & Plants' })
  value!: string | boolean;
  @ApiProperty({ example: 12 })
  count!: number;
}

export class PriceFacetCountDto {
  @ApiProperty({
    example: '10-25',
    description: 'range label: `from-to`, or `from+` for the open-ended last',
  })
  value!: string;
  @ApiProperty({ type: Number, nullable: true, example: 10, description: 'inclusive' })
  from!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 25, description: 'exclusive; null when open-ended' })
  to!: number | null;
  @ApiProperty({ example: 'EUR' })
  currency!: string;
  @ApiProperty({ example: 4 })
  count!: number;
}

export class ProductCardDto extends ProductSummaryDto {
  @ApiProperty({
    description:
      'higher is better; comparable within one result list only. The reranker scores the first SEARCH_CANDIDATES ' +
      'results; past them it is the first-stage (RRF) score',
  })
  score!: number;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'score components (explain: true): first-stage ranks and RRF score, reranker components',
  })
  explain?: Record<string, unknown>;
  @ApiPropertyOptional({
    type: HighlightsDto,
    description: 'text searches: where the query words appear, in the title and description shown',
  })
  highlights?: HighlightsDto;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'zh',
    description:
      'only when the request stated a locale: the tag of the translation title (and highlights) are in, or null ' +
      'when the product has none for it and shows the catalog’s own text',
  })
  locale?: string | null;
}

@ApiExtraModels(FacetCountDto, PriceFacetCountDto)
export class SearchResponseDto {
  @ApiProperty({
    format: 'uuid',
    description: 'identifies this request; send it with the events of its results',
  })
  queryId!: string;
  @ApiProperty({ type: [ProductCardDto] })
  items!: ProductCardDto[];
  @ApiProperty({ example: 42, description: 'relevant results over all pages (after the relevance cutoff)' })
  total!: number;
  @ApiProperty({
    enum: ['eq', 'gte'],
    description: 'eq: total is exact; gte: retrieval stopped at its depth and more may be relevant',
  })
  totalRelation!: 'eq' | 'gte';
  @ApiPropertyOptional({ example: 'sneaker', description: 'the search ran on this corrected text' })
  correctedQuery?: string;
  @ApiPropertyOptional({ example: 'sneaker', description: 'a suggestion, when nothing was found' })
  didYouMean?: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: {
      type: 'array',
      items: { oneOf: [{ $ref: getSchemaPath(FacetCountDto) }, { $ref: getSchemaPath(PriceFacetCountDto) }] },
    },
    description:
      'requested facets over all relevant results, by the names asked for; price as ranges per currency',
  })
  facets?: Record<string, (FacetCountDto | PriceFacetCountDto)[]>;
  @ApiProperty({ type: String, nullable: true, description: 'pass as cursor to get the next page' })
  nextCursor!: string | null;
  @ApiProperty({ example: 'linear', description: 'second stage that ran (none when off)' })
  reranker!: string;
}

/** Where a product's image is served by this API. */
export function imageUrlOf(productId: string, position: number): string {
  return `/v1/products/${productId}/images/${position}`;
}

export function toResponse(page: SearchPage): SearchResponseDto {
  return {
    queryId: page.queryId,
    items: page.items.map(toCard),
    total: page.total,
    totalRelation: page.totalRelation,
    nextCursor: page.nextCursor,
    reranker: page.reranker,
    ...(page.correctedQuery !== undefined ? { correctedQuery: page.correctedQuery } : {}),
    ...(page.didYouMean !== undefined ? { didYouMean: page.didYouMean } : {}),
    ...(page.facets ? { facets: page.facets as Record<string, (FacetCountDto | PriceFacetCountDto)[]> } : {}),
  };
}

function toCard(item: SearchResultItem): ProductCardDto {
  return {
    id: item.id,
    sku: item.sku,
    title: item.title,
    brand: item.brand,
    category: item.category,
    price: item.price ? { amount: item.price.amount, currency: item.price.currency } : null,
    inStock: item.inStock,
    imageUrl: item.image ? imageUrlOf(item.id, item.image.position) : null,
    score: item.score,
    ...(item.locale !== undefined ? { locale: item.locale } : {}),
    ...(item.highlights
      ? {
          highlights: {
            ...(item.highlights.title ? { title: item.highlights.title.map(([a, b]) => [a, b]) } : {}),
            ...(item.highlights.description
              ? {
                  description: {
                    text: item.highlights.description.text,
                    ranges: item.highlights.description.ranges.map(([a, b]) => [a, b]),
                  },
                }
              : {}),
          },
        }
      : {}),
    ...(item.explain ? { explain: { ...item.explain } } : {}),
  };
}
