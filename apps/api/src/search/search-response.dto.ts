import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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
}

export class SearchResponseDto {
  @ApiProperty({ type: [ProductCardDto] })
  items!: ProductCardDto[];
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
    items: page.items.map(toCard),
    nextCursor: page.nextCursor,
    reranker: page.reranker,
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
    ...(item.explain ? { explain: { ...item.explain } } : {}),
  };
}
