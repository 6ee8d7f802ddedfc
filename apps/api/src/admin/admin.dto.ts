import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Allow,
  IsArray,
  IsBoolean,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { MAX_FAILURES_PAGE } from '@vitrine/catalog';
import { IsIdentifier } from '../http/identifier.validator';

const IDENTIFIER_RULE =
  'stored in Unicode NFC; bidirectional control characters (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, ' +
  'U+061C) and lone surrogates are refused';

export class PriceDto {
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'number' }], example: '12.90' })
  // Number or decimal string: the catalog's own parser checks it (exactly, without going through a float).
  @Allow()
  amount!: string | number;
  @ApiProperty({ example: 'EUR' })
  @IsString()
  currency!: string;
}

/**
 * A product to create or update by SKU: the catalog JSONL line format (README "Importing a catalog"), except that
 * images must be https URLs. Field rules are the import's, checked by the catalog (one source of truth).
 */
export class ProductUpsertDto {
  @ApiProperty({ example: 'MUG-RED-01', description: IDENTIFIER_RULE })
  @IsString()
  @IsIdentifier()
  sku!: string;

  @ApiProperty({ example: 'Red mug' })
  @IsString()
  title!: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  description?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: IDENTIFIER_RULE })
  @IsOptional()
  @IsString()
  @IsIdentifier()
  brand?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: IDENTIFIER_RULE })
  @IsOptional()
  @IsString()
  @IsIdentifier()
  category?: string | null;

  @ApiPropertyOptional({ type: PriceDto, nullable: true })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PriceDto)
  price?: PriceDto | null;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  inStock?: boolean;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { color: 'red', popularity: 120 },
  })
  @IsOptional()
  @IsObject()
  attributes?: Record<string, unknown>;

  @ApiProperty({ type: [String], example: ['https://cdn.example.com/mug-red.jpg'] })
  @IsArray()
  @IsString({ each: true })
  images!: string[];
}

export class ProductUpsertResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty()
  sku!: string;
  @ApiProperty({ enum: ['created', 'updated', 'unchanged'] })
  change!: 'created' | 'updated' | 'unchanged';
  @ApiProperty({
    description:
      'whether indexing work was recorded (content or price/stock changed). It is committed with the product in ' +
      "the catalog's outbox and reaches the indexing queue even if the queue is down or the API restarts",
  })
  indexQueued!: boolean;
}

export class ProductDeleteResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty()
  deleted!: boolean;
}

export class JobAcceptedDto {
  @ApiProperty({ example: 'reindex.1764167000000' })
  jobId!: string;
  @ApiProperty({ example: '/v1/admin/jobs/reindex.1764167000000' })
  progressUrl!: string;
  @ApiProperty({ example: '/v1/admin/jobs/reindex.1764167000000/events' })
  eventsUrl!: string;
}

export class JobProgressDto {
  @ApiProperty()
  runId!: string;
  @ApiProperty({
    enum: ['waiting', 'active', 'completed', 'failed', 'delayed', 'waiting-children', 'unknown'],
  })
  state!: string;
  @ApiProperty({ enum: ['plan', 'finish'] })
  step!: string;
  @ApiProperty()
  done!: number;
  @ApiProperty()
  total!: number;
  @ApiPropertyOptional({
    description:
      'products that could not be indexed so far (each listed with its reason by GET /v1/admin/index/failures)',
  })
  failed?: number;
  @ApiPropertyOptional()
  etaSeconds?: number;
  @ApiPropertyOptional()
  collection?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  summary?: object;
  @ApiPropertyOptional({
    description:
      'why the run failed, e.g. TOO_MANY_FAILURES when more than REINDEX_MAX_FAILED_RATIO of the products failed ' +
      '(the alias then stays on the old collection and the new one is deleted)',
  })
  failedReason?: string;
}

/** The largest `offset` the failures list takes (a bound, like every numeric parameter). */
export const MAX_FAILURES_OFFSET = 10_000_000;

export class IndexFailuresQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_FAILURES_PAGE, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_FAILURES_PAGE)
  limit?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_FAILURES_OFFSET,
    default: 0,
    description: 'failures to skip',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_FAILURES_OFFSET)
  offset?: number;
}

export class IndexFailureDto {
  @ApiProperty({ format: 'uuid' })
  productId!: string;
  @ApiProperty({ example: 'MUG-RED-01' })
  sku!: string;
  @ApiProperty({ example: 'Red mug' })
  title!: string;
  @ApiProperty({
    example: 'FETCH_FAILED: HTTP 404 fetching https://cdn.example.com/mug-red.jpg',
    description: '`CODE: message` of the last attempt',
  })
  reason!: string;
  @ApiProperty({ format: 'date-time' })
  failedAt!: string;
}

export class IndexFailuresDto {
  @ApiProperty({ example: 'clip-vit-b-32@1', description: 'the embedding model these failures are for' })
  modelId!: string;
  @ApiProperty({ description: 'products whose last indexing attempt failed, in all' })
  total!: number;
  @ApiProperty()
  limit!: number;
  @ApiProperty()
  offset!: number;
  @ApiProperty({ type: [IndexFailureDto], description: 'most recent first' })
  items!: IndexFailureDto[];
  @ApiPropertyOptional({ description: '`offset` of the next page; absent on the last page' })
  nextOffset?: number;
}
