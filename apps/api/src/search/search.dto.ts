import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { plainToInstance, Transform, Type, type TransformFnParams } from 'class-transformer';
import {
  ArrayMaxSize,
  IsIn,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { localeProblem, MAX_LOCALE_CHARS } from '@vitrine/catalog';
import { MAX_FACETS, MAX_LIMIT, MAX_QUERY_CHARS, SORT_ORDERS, type SortOrder } from '@vitrine/search';
import { toIdentifierList } from '../http/identifier.validator';
import { screenInput } from '../http/validation';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

/**
 * Longest cursor: an image search's cursor carries the query embedding (8 bits a dimension, base64: 1,400
 * characters for 1,024 dimensions) besides its words.
 */
export const MAX_CURSOR_CHARS = 4096;

/** A list given as a JSON array, a comma-separated string (forms, query strings) or repeated parameters. */
const commaList = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const t = value.trim();
  if (t.startsWith('[')) {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return value;
    }
  }
  return t === '' ? [] : t.split(',').map((x) => x.trim());
};

/**
 * A list of category or brand names (one value or several): 1 to 100 non-empty names of at most 200 characters,
 * after `transform` turned the raw value into a list (a JSON body's string or array, a query's repeats or commas).
 */
const NameList = (transform: (arg: TransformFnParams) => unknown): PropertyDecorator =>
  applyDecorators(
    IsOptional(),
    Transform(transform),
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(100),
    IsString({ each: true }),
    IsNotEmpty({ each: true }),
    MaxLength(200, { each: true }),
  );

/**
 * `locale` of a search, browse or product page: a BCP 47 tag; a bad one is a 400 that names it. The same rules and
 * documentation wherever a request takes it.
 */
export function LocaleOption(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      example: 'zh',
      maxLength: MAX_LOCALE_CHARS,
      description:
        "BCP 47 tag of the shopper's language (`zh`, `zh-Hans-CN`, `ja`): titles and descriptions come back in it " +
        'where the product has them (`zh-Hans-CN` is served by `zh-Hans`, then `zh`), otherwise in the catalog’s own ' +
        'text; each result says which in `locale`. Words also match the localised text. Absent: the catalog’s text.',
    }),
    IsOptional(),
    ValidateBy({
      name: 'isLocale',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && localeProblem(value) === undefined,
        defaultMessage: (args) =>
          typeof args?.value === 'string'
            ? `locale ${localeProblem(args.value) ?? 'is invalid'}`
            : 'locale must be a string (a BCP 47 language tag such as zh)',
      },
    }),
  );
}

/** `sort` of a search (body or query): the same rules and documentation wherever a search takes it. */
const SortOption = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({
      enum: SORT_ORDERS,
      default: 'relevance',
      description:
        'order of the relevant results; price orders put products without a price last and, without a currency ' +
        'filter, group by currency first',
    }),
    IsOptional(),
    IsIn(SORT_ORDERS),
  );

/** `facets` of a search (body or query). */
const FacetsOption = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({
      type: [String],
      maxItems: MAX_FACETS,
      example: ['category', 'brand', 'price', 'color'],
      description:
        'facets to count over all relevant results: category, brand, price, inStock, currency or an attribute ' +
        'name (color and colour are one facet); an unknown name is refused. JSON-encoded or comma-separated in forms',
    }),
    IsOptional(),
    Transform(commaList),
    IsArray(),
    ArrayMaxSize(MAX_FACETS),
    IsString({ each: true }),
    Matches(/^[A-Za-z0-9_-]{1,64}$/, {
      each: true,
      message: 'each facet must be a name such as category or color',
    }),
  );

/** Catalog amounts are below 10^15 (15 integer digits); a bound beyond names nothing. */
const MAX_PRICE = 1e15;

export class PriceRangeDto {
  @ApiPropertyOptional({ minimum: 0, maximum: MAX_PRICE, example: 5 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(MAX_PRICE)
  min?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_PRICE, example: 50 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(MAX_PRICE)
  max?: number;
}

/** Conditions applied inside retrieval (every one must hold). */
export class SearchFiltersDto {
  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: 'Kitchen',
    description: 'one category or any of several',
  })
  @NameList(toIdentifierList)
  category?: string[];

  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['Acme', 'Bloom & Root'],
  })
  @NameList(toIdentifierList)
  brand?: string[];

  @ApiPropertyOptional({ type: PriceRangeDto, description: 'inclusive bounds; min must not exceed max' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PriceRangeDto)
  price?: PriceRangeDto;

  @ApiPropertyOptional({ example: 'EUR', description: 'ISO 4217 code of the price' })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as EUR' })
  currency?: string;

  @ApiPropertyOptional({ example: true })
  @IsOptional()
  @IsBoolean()
  inStock?: boolean;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
    example: { color: 'red' },
    description: 'equality on scalar attributes (at most 32)',
  })
  @IsOptional()
  @IsObject()
  attributes?: Record<string, string | number | boolean>;
}

/** Paging and ranking options of every search. */
export class SearchOptionsDto {
  @ApiPropertyOptional({ type: SearchFiltersDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SearchFiltersDto)
  filters?: SearchFiltersDto;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_LIMIT, default: 20 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_LIMIT)
  limit?: number;

  @ApiPropertyOptional({
    maxLength: MAX_CURSOR_CHARS,
    description: '`nextCursor` of the previous page of the same search (send the same options with it)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CURSOR_CHARS)
  cursor?: string;

  @SortOption()
  sort?: SortOrder;

  @FacetsOption()
  facets?: string[];

  @ApiPropertyOptional({ default: false, description: 'return each score component' })
  @IsOptional()
  @IsBoolean()
  explain?: boolean;

  @ApiPropertyOptional({ description: 'run the second-stage reranker (default: SEARCH_RERANK)' })
  @IsOptional()
  @IsBoolean()
  rerank?: boolean;

  @LocaleOption()
  locale?: string;
}

export class TextSearchDto extends SearchOptionsDto {
  @ApiProperty({ example: 'red apple', maxLength: MAX_QUERY_CHARS })
  @Transform(trim)
  @IsString()
  @IsNotEmpty({ message: 'query must not be empty' })
  @MaxLength(MAX_QUERY_CHARS)
  query!: string;
}

/** Multipart form fields arrive as strings: parse JSON objects, numbers and booleans the way JSON bodies have them. */
const fromForm = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const t = value.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(t)) return Number(t);
  if (t.startsWith('{')) {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return value;
    }
  }
  return value;
};

/** A JSON-encoded filters object (form field or query parameter) as a filters DTO for nested validation. */
const filtersFromString = (arg: { value: unknown }): unknown => {
  const value = fromForm(arg);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  // Parsed here, after the pipe's screening of the raw string: bound its shape the same way before any per-key work.
  screenInput(value, 'filters');
  return plainToInstance(SearchFiltersDto, value);
};

/**
 * {@link SearchOptionsDto}'s fields where they arrive as strings — multipart form fields (image search) or query
 * parameters (similar products): numbers, booleans and the JSON-encoded `filters` are parsed before validation.
 */
export class StringSearchOptionsDto {
  @ApiPropertyOptional({ type: SearchFiltersDto, description: 'JSON-encoded, e.g. {"inStock":true}' })
  @IsOptional()
  @Transform(filtersFromString)
  @IsObject()
  @ValidateNested()
  filters?: SearchFiltersDto;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_LIMIT, default: 20 })
  @IsOptional()
  @Transform(fromForm)
  @IsInt()
  @Min(1)
  @Max(MAX_LIMIT)
  limit?: number;

  @ApiPropertyOptional({
    maxLength: MAX_CURSOR_CHARS,
    description: '`nextCursor` of the previous page of the same search (send the same options with it)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CURSOR_CHARS)
  cursor?: string;

  @SortOption()
  sort?: SortOrder;

  @FacetsOption()
  facets?: string[];

  @ApiPropertyOptional({ default: false, description: 'return each score component' })
  @IsOptional()
  @Transform(fromForm)
  @IsBoolean()
  explain?: boolean;

  @ApiPropertyOptional({ description: 'run the second-stage reranker (default: SEARCH_RERANK)' })
  @IsOptional()
  @Transform(fromForm)
  @IsBoolean()
  rerank?: boolean;

  @LocaleOption()
  locale?: string;
}

/**
 * `POST /v1/search/image`: either multipart/form-data with an `image` file part (other fields as form fields,
 * `filters` as a JSON string), or a JSON body with `imageUrl`.
 */
export class ImageSearchDto extends StringSearchOptionsDto {
  @ApiPropertyOptional({ type: 'string', format: 'binary', description: 'multipart only: the picture' })
  @IsOptional()
  image?: unknown;

  @ApiPropertyOptional({
    example: 'https://example.com/shoe.jpg',
    description: 'JSON only: fetched server-side',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  imageUrl?: string;

  @ApiPropertyOptional({ example: 'in red', description: 'words to steer the picture' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty({ message: 'query must not be empty when given' })
  @MaxLength(MAX_QUERY_CHARS)
  query?: string;
}

/** `GET /v1/products/:id/similar`'s query parameters. */
export class SimilarQueryDto extends StringSearchOptionsDto {}

/**
 * `GET /v1/products` (browse) query parameters. Attribute filters come as `attr.<name>=<value>` parameters, read
 * by the controller beside these.
 */
export class BrowseQueryDto {
  @ApiPropertyOptional({
    type: [String],
    description:
      'one category or any of several (repeat the parameter or separate with commas); case-insensitive',
  })
  @NameList((arg) => toIdentifierList({ value: commaList(arg) }))
  category?: string[];

  @ApiPropertyOptional({ type: [String], description: 'one brand or any of several; case-insensitive' })
  @NameList((arg) => toIdentifierList({ value: commaList(arg) }))
  brand?: string[];

  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @Transform(fromForm)
  @IsBoolean()
  inStock?: boolean;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_PRICE, description: 'inclusive lower price bound' })
  @IsOptional()
  @Transform(fromForm)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(MAX_PRICE)
  priceMin?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_PRICE, description: 'inclusive upper price bound' })
  @IsOptional()
  @Transform(fromForm)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(MAX_PRICE)
  priceMax?: number;

  @ApiPropertyOptional({
    example: 'EUR',
    description: 'ISO 4217 code; required with a price bound when the catalog prices in several currencies',
  })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as EUR' })
  currency?: string;

  @ApiPropertyOptional({
    enum: ['price_asc', 'price_desc', 'newest', 'popularity'],
    default: 'newest',
  })
  @IsOptional()
  @IsIn(SORT_ORDERS)
  sort?: SortOrder;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_LIMIT, default: 20 })
  @IsOptional()
  @Transform(fromForm)
  @IsInt()
  @Min(1)
  @Max(MAX_LIMIT)
  limit?: number;

  @ApiPropertyOptional({ maxLength: MAX_CURSOR_CHARS, description: '`nextCursor` of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CURSOR_CHARS)
  cursor?: string;

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_FACETS,
    example: 'category,brand,price',
    description: 'facets to count over every matching product (comma-separated)',
  })
  @IsOptional()
  @Transform(commaList)
  @IsArray()
  @ArrayMaxSize(MAX_FACETS)
  @IsString({ each: true })
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, {
    each: true,
    message: 'each facet must be a name such as category or color',
  })
  facets?: string[];

  @LocaleOption()
  locale?: string;
}
