import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { LocaleOption } from '../search/search.dto';
import { MoneyDto } from '../search/search-response.dto';

export class ProductImageDto {
  @ApiProperty({ description: '0-based display order' })
  position!: number;
  @ApiProperty({ example: '/v1/products/7c9e6679-7425-40de-944b-e07fc1f90ae7/images/0' })
  url!: string;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'null until the indexer has fetched the picture',
  })
  width!: number | null;
  @ApiProperty({ type: Number, nullable: true })
  height!: number | null;
}

export class ExtractedAttributeDto {
  @ApiProperty({ example: 'colour', enum: ['category', 'colour', 'material', 'pattern', 'style'] })
  name!: string;
  @ApiProperty({ example: 'red' })
  value!: string;
  @ApiProperty({ example: 0.91, description: '0..1, at or above the attribute’s confidence threshold' })
  confidence!: number;
  @ApiProperty({ enum: ['picture'] })
  source!: 'picture';
}

export class ProductAttributesDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { color: 'red', material: 'ceramic' },
    description: "the merchant's own attributes, as imported",
  })
  catalog!: Record<string, unknown>;
  @ApiProperty({
    type: [ExtractedAttributeDto],
    description:
      "read from the product's picture under its current content, at or above ATTRIBUTE_MIN_CONFIDENCE and the " +
      "attribute's fitted threshold (the same rule as product Q&A); one value per attribute",
  })
  extracted!: ExtractedAttributeDto[];
}

export class ApprovedDescriptionDto {
  @ApiProperty()
  text!: string;
  @ApiProperty({ format: 'date-time' })
  approvedAt!: string;
}

export class ProductLinksDto {
  @ApiProperty({ example: '/v1/products/7c9e6679-7425-40de-944b-e07fc1f90ae7/similar' })
  similar!: string;
  @ApiProperty({ example: '/v1/products/7c9e6679-7425-40de-944b-e07fc1f90ae7/ask' })
  ask!: string;
}

/** A product's title and description in one locale. */
export class LocalizedTextDto {
  @ApiProperty({ example: '高跟鞋' })
  title!: string;
  @ApiProperty({ type: String, nullable: true })
  description!: string | null;
}

/** `GET /v1/products/:id` query parameters. */
export class ProductDetailQueryDto {
  @LocaleOption()
  locale?: string;
}

@ApiExtraModels(LocalizedTextDto)
export class ProductDetailDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty()
  sku!: string;
  @ApiProperty()
  title!: string;
  @ApiProperty({ type: String, nullable: true })
  description!: string | null;
  @ApiProperty({ type: String, nullable: true })
  brand!: string | null;
  @ApiProperty({ type: String, nullable: true })
  category!: string | null;
  @ApiProperty({ type: MoneyDto, nullable: true })
  price!: MoneyDto | null;
  @ApiProperty()
  inStock!: boolean;
  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
  @ApiProperty({
    type: [ProductImageDto],
    description:
      'usable pictures only: fetched, or not fetched yet; pictures that failed to fetch are left out',
  })
  images!: ProductImageDto[];
  @ApiProperty({ type: ProductAttributesDto })
  attributes!: ProductAttributesDto;
  @ApiProperty({
    type: ApprovedDescriptionDto,
    nullable: true,
    description: 'the latest generated description an admin approved; null when none was',
  })
  approvedDescription!: ApprovedDescriptionDto | null;
  @ApiProperty({ type: ProductLinksDto })
  links!: ProductLinksDto;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(LocalizedTextDto) },
    example: { zh: { title: '高跟鞋', description: null } },
    description: 'title and description per BCP 47 tag, as imported (empty when none)',
  })
  translations!: Record<string, LocalizedTextDto>;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'zh',
    description:
      'only with `?locale=`: the tag of the translation `title` and `description` are in, or null when the ' +
      'product has none for it and they are the catalog’s own',
  })
  locale?: string | null;
}

/** What an admin write answers: the product as it now is, and whether indexing work was recorded. */
export class AdminProductWriteDto extends ProductDetailDto {
  @ApiProperty({ enum: ['created', 'updated', 'unchanged'] })
  change!: 'created' | 'updated' | 'unchanged';
  @ApiProperty({ description: 'whether (re-)indexing was recorded in the outbox with the change' })
  indexQueued!: boolean;
  @ApiPropertyOptional({ enum: ['indexed', 'pending', 'failed'] })
  indexState?: string;
}
