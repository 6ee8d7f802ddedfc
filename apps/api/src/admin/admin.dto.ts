import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
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
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { MAX_FAILURES_PAGE } from '@vitrine/catalog';
import { IsIdentifier } from '../http/identifier.validator';
import { MoneyDto } from '../search/search-response.dto';

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

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: {
      type: 'object',
      required: ['title'],
      properties: { title: { type: 'string' }, description: { type: 'string', nullable: true } },
    },
    example: { zh: { title: '红色马克杯', description: '陶瓷马克杯。' } },
    description:
      'title and description per BCP 47 tag (`zh`, `zh-Hans`, `ja`; stored canonical); a bad tag is a 400 ' +
      'naming it. Replaces the stored set: a write without it leaves the product with none (PATCH: keeps it)',
  })
  @IsOptional()
  @IsObject()
  translations?: Record<string, unknown>;
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

/** `PUT /v1/admin/products/by-sku/:sku`: the whole product, its SKU in the path. */
export class ProductReplaceDto extends OmitType(ProductUpsertDto, ['sku'] as const) {}

/**
 * `PATCH /v1/admin/products/:id`: any of the upsert's fields but the SKU; the others keep their values. `images`, when
 * sent, replaces the list (https URLs only).
 */
export class ProductPatchDto extends PartialType(ProductReplaceDto) {}

export const MAX_ADMIN_PAGE = 200;

export class AdminProductListQueryDto {
  @ApiPropertyOptional({
    maxLength: 200,
    description: 'a SKU prefix, or words that must all appear in the title (case-insensitive)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ description: '`nextCursor` of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_ADMIN_PAGE, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_ADMIN_PAGE)
  limit?: number;
}

export class AdminProductDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty()
  sku!: string;
  @ApiProperty()
  title!: string;
  @ApiProperty({ type: String, nullable: true })
  brand!: string | null;
  @ApiProperty({ type: String, nullable: true })
  category!: string | null;
  @ApiProperty({ type: MoneyDto, nullable: true })
  price!: MoneyDto | null;
  @ApiProperty()
  inStock!: boolean;
  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
  @ApiProperty({
    enum: ['indexed', 'pending', 'failed'],
    description:
      'for the model in service: indexed from its current content, failed at its last attempt (reason under ' +
      'GET /v1/admin/index/failures), or pending (never indexed, waiting, or changed since)',
  })
  indexState!: 'indexed' | 'pending' | 'failed';
}

export class AdminProductListDto {
  @ApiProperty({ type: [AdminProductDto], description: 'in SKU order' })
  items!: AdminProductDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'pass as `cursor` for the next page; null on the last',
  })
  nextCursor!: string | null;
}

export class ProductDeleteBySkuResponseDto extends ProductDeleteResponseDto {
  @ApiProperty()
  sku!: string;
}

export class IndexStatusDto {
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'products_clip-vit-b-32_1764167000000',
    description: 'the collection searches read (the `products` alias); null before the first indexing',
  })
  collection!: string | null;
  @ApiProperty({ example: 'clip-vit-b-32@1', description: 'the embedding model in service' })
  model!: string;
  @ApiProperty({ description: 'products in the catalog' })
  products!: number;
  @ApiProperty({ description: 'indexed from their current content' })
  indexed!: number;
  @ApiProperty({ description: 'never indexed, waiting, or changed since they were indexed' })
  pending!: number;
  @ApiProperty({ description: 'whose last attempt failed (GET /v1/admin/index/failures lists them)' })
  failed!: number;
  @ApiProperty({
    type: JobProgressDto,
    nullable: true,
    description:
      'the last reindex this API process started (POST /v1/admin/reindex), finished or not; null when it started none',
  })
  reindex!: JobProgressDto | null;
}

export const IMPORT_STATES = ['running', 'completed', 'failed'] as const;

export class ImportAcceptedDto {
  @ApiProperty({ example: 'import.3f1e0c8a-4b7d-4c55-9a55-0f3c1d2e9b10' })
  jobId!: string;
  @ApiProperty({ example: '/v1/admin/imports/import.3f1e0c8a-4b7d-4c55-9a55-0f3c1d2e9b10' })
  progressUrl!: string;
  @ApiProperty({ example: '/v1/admin/imports/import.3f1e0c8a-4b7d-4c55-9a55-0f3c1d2e9b10/events' })
  eventsUrl!: string;
}

export class ImportLineErrorDto {
  @ApiProperty({ description: '1-based line of the file' })
  line!: number;
  @ApiProperty({ example: 'price.amount: must be a decimal number' })
  message!: string;
}

export class ImportJobDto {
  @ApiProperty()
  jobId!: string;
  @ApiProperty({ enum: IMPORT_STATES })
  state!: (typeof IMPORT_STATES)[number];
  @ApiProperty({ description: 'lines read so far (blank and rejected ones included)' })
  processed!: number;
  @ApiPropertyOptional({ description: 'lines in the file, once counted' })
  total?: number;
  @ApiProperty()
  created!: number;
  @ApiProperty()
  updated!: number;
  @ApiProperty()
  unchanged!: number;
  @ApiProperty({ description: 'rejected lines' })
  failed!: number;
  @ApiProperty({ type: [ImportLineErrorDto], description: 'the first 1,000 rejected lines and why' })
  errors!: ImportLineErrorDto[];
  @ApiProperty({ format: 'date-time' })
  startedAt!: string;
  @ApiPropertyOptional({ format: 'date-time' })
  finishedAt?: string;
  @ApiPropertyOptional({
    description: 'why the import stopped (state failed); products of the batches before were saved',
  })
  failedReason?: string;
}

export class ImportUploadDto {
  @ApiProperty({
    type: 'string',
    format: 'binary',
    description:
      'the catalog as JSONL (one product per line, the format `vitrine import` reads); images must be https URLs',
  })
  file!: unknown;
}
