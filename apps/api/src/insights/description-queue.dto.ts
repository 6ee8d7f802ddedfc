import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min, MaxLength } from 'class-validator';
import type { DescriptionDraft, DraftStatus } from '@vitrine/descriptions';
import type { Product } from '@vitrine/catalog';
import { DraftDto, toDraftDto } from './insights.dto';

/** The queue's names for draft states: a `draft` is what waits for review. */
export const QUEUE_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];
export const DRAFT_STATUS_OF: { readonly [S in QueueStatus]: DraftStatus } = {
  pending: 'draft',
  approved: 'approved',
  rejected: 'rejected',
};
export const MAX_QUEUE_PAGE = 100;

export class DescriptionQueueQueryDto {
  @ApiPropertyOptional({ enum: QUEUE_STATUSES, default: 'pending' })
  @IsOptional()
  @IsIn(QUEUE_STATUSES, { message: `status must be one of ${QUEUE_STATUSES.join(', ')}` })
  status?: QueueStatus;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_QUEUE_PAGE, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_QUEUE_PAGE)
  limit?: number;

  @ApiPropertyOptional({ description: '`nextCursor` of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  cursor?: string;
}

export class QueuedDraftDto extends DraftDto {
  @ApiProperty({ example: 'Red mug' })
  productTitle!: string;
  @ApiProperty({ example: 'MUG-RED-01' })
  productSku!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '/v1/products/7c9e6679-7425-40de-944b-e07fc1f90ae7/images/0',
    description: "the product's first usable picture; null when it has none",
  })
  imageUrl!: string | null;
}

export class DescriptionQueueDto {
  @ApiProperty({ type: [QueuedDraftDto], description: 'oldest first' })
  items!: QueuedDraftDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'pass as `cursor` for the next page; null on the last',
  })
  nextCursor!: string | null;
}

export function toQueuedDraftDto(draft: DescriptionDraft, product: Product): QueuedDraftDto {
  const image = product.images.find((i) => i.status !== 'failed');
  return {
    ...toDraftDto(draft),
    productTitle: product.title,
    productSku: product.sku,
    imageUrl: image ? `/v1/products/${product.id}/images/${image.position}` : null,
  };
}
