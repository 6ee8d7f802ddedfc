import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import type { JsonValue } from '@vitrine/catalog';
import {
  MAX_CHAT_MESSAGE_CHARS,
  type ChatFilters,
  type ChatProduct,
  type ChatTurnResult,
  type StoredTurn,
} from '@vitrine/assistant';
import { INTENTS, LANGUAGES, SORT_ORDERS } from '@vitrine/nlu';
import type { VqaAnswer } from '@vitrine/vqa';
import { AnswerDto, toAnswerDto } from '../insights/insights.dto';
import { ProductSummaryDto, imageUrlOf } from '../search/search-response.dto';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

/** `POST /v1/chat`: JSON, or multipart/form-data with these fields and the picture as part `image`. */
export class ChatRequestDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'continue this conversation; omit to start a new one' })
  @IsOptional()
  @IsUUID('all', { message: 'conversationId must be a UUID' })
  conversationId?: string;

  @ApiPropertyOptional({
    example: 'red sneakers under 50 euros',
    maxLength: MAX_CHAT_MESSAGE_CHARS,
    description: 'what the shopper says (English or Simplified Chinese); may be omitted only with a picture',
  })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(MAX_CHAT_MESSAGE_CHARS)
  message?: string;

  @ApiPropertyOptional({ type: 'string', format: 'binary', description: 'multipart only: a picture' })
  @IsOptional()
  image?: unknown;
}

export class ChatPriceRangeDto {
  @ApiPropertyOptional({ example: 10 })
  min?: number;
  @ApiPropertyOptional({ example: 50 })
  max?: number;
}

export class ChatFiltersDto {
  @ApiPropertyOptional({ example: 'Shoes' })
  category?: string;
  @ApiPropertyOptional({ example: 'red', description: "matched on the products' `color` attribute" })
  colour?: string;
  @ApiPropertyOptional({ example: 'Kicklab' })
  brand?: string;
  @ApiPropertyOptional({ type: [String], example: ['Stridewell'] })
  excludeBrands?: string[];
  @ApiPropertyOptional({ type: ChatPriceRangeDto, description: 'inclusive bounds, in `currency` when set' })
  price?: ChatPriceRangeDto;
  @ApiPropertyOptional({ example: 'EUR' })
  currency?: string;
  @ApiPropertyOptional()
  inStock?: boolean;
}

/** A product the chat shows: the card of a search result, with its score when a search ranked it. */
export class ChatProductDto extends ProductSummaryDto {
  @ApiPropertyOptional({
    description:
      'the search score that ranked it (comparable within one reply only); absent when no search ranked it',
  })
  score?: number;
}

export class ChatAnswerDto extends AnswerDto {
  @ApiProperty({ format: 'uuid', description: 'the product the question was about' })
  productId!: string;
}

export class ComparisonRowDto {
  @ApiProperty({ example: 'price' })
  field!: string;
  @ApiProperty({
    type: 'array',
    items: { type: 'string', nullable: true },
    description: 'one per product, in `productIds` order; null when the catalog does not list it',
  })
  values!: (string | null)[];
}

export class ComparisonDto {
  @ApiProperty({ type: [String] })
  productIds!: string[];
  @ApiProperty({ type: [ComparisonRowDto] })
  rows!: ComparisonRowDto[];
}

export class ChatResponseDto {
  @ApiProperty({ format: 'uuid' })
  conversationId!: string;
  @ApiProperty({ example: 'Here are some products (red, Shoes, at most EUR 50.00):\n1. …' })
  message!: string;
  @ApiProperty({ type: [ChatProductDto], description: 'in the order the reply refers to them' })
  products!: ChatProductDto[];
  @ApiProperty({ type: ChatFiltersDto, description: 'the constraints now in force' })
  filters!: ChatFiltersDto;
  @ApiProperty({ enum: SORT_ORDERS })
  sort!: string;
  @ApiProperty({ enum: INTENTS, description: 'what the turn was understood as' })
  intent!: string;
  @ApiProperty({ enum: LANGUAGES })
  lang!: string;
  @ApiPropertyOptional({
    type: ChatAnswerDto,
    description: 'when the turn asked about a product: as /ask answers',
  })
  answer?: ChatAnswerDto;
  @ApiPropertyOptional({
    type: ComparisonDto,
    description: 'when the turn compared products: facts from the catalog',
  })
  comparison?: ComparisonDto;
  @ApiProperty({
    example: 'template',
    description:
      'which path answered: `template` (the embedded manager), `tools:<model>` (ANSWERER_URL: the model chose the tools and wrote the reply, checked against their results), or `remote:<model>` (the model rewrote the reply of a turn the embedded manager planned)',
  })
  replyBy!: string;
  @ApiPropertyOptional({
    description: "sentences of the remote model's reply dropped because the turn's facts do not support them",
  })
  droppedClaims?: number;
}

export class ChatTurnDto {
  @ApiProperty({ example: 1 })
  seq!: number;
  @ApiProperty({ enum: ['user', 'assistant'] })
  role!: string;
  @ApiProperty()
  message!: string;
  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;
  @ApiPropertyOptional({ enum: INTENTS })
  intent?: string;
  @ApiPropertyOptional({ description: 'user turns: whether a picture came with it' })
  picture?: boolean;
  @ApiPropertyOptional({ type: [ChatProductDto], description: 'assistant turns: the products shown' })
  products?: ChatProductDto[];
  @ApiPropertyOptional({ type: ChatFiltersDto })
  filters?: ChatFiltersDto;
  @ApiPropertyOptional({ type: ChatAnswerDto })
  answer?: ChatAnswerDto;
  @ApiPropertyOptional({ type: ComparisonDto })
  comparison?: ComparisonDto;
}

export class ChatConversationDto {
  @ApiProperty({ format: 'uuid' })
  conversationId!: string;
  @ApiProperty({ type: [ChatTurnDto] })
  turns!: ChatTurnDto[];
}

export function toChatProductDto(p: ChatProduct): ChatProductDto {
  return {
    id: p.id,
    sku: p.sku,
    title: p.title,
    brand: p.brand,
    category: p.category,
    price: p.price ? { amount: p.price.amount, currency: p.price.currency } : null,
    inStock: p.inStock,
    imageUrl: p.image ? imageUrlOf(p.id, p.image.position) : null,
    ...(p.score !== undefined ? { score: p.score } : {}),
  };
}

function toFiltersDto(f: ChatFilters): ChatFiltersDto {
  const { excludeBrands, price, ...rest } = f;
  return {
    ...rest,
    ...(excludeBrands ? { excludeBrands: [...excludeBrands] } : {}),
    ...(price ? { price: { ...price } } : {}),
  };
}

export function toChatResponse(t: ChatTurnResult): ChatResponseDto {
  return {
    conversationId: t.conversationId,
    message: t.message,
    products: t.products.map(toChatProductDto),
    filters: toFiltersDto(t.filters),
    sort: t.sort,
    intent: t.intent,
    lang: t.lang,
    replyBy: t.replyBy,
    ...(t.droppedClaims !== undefined ? { droppedClaims: t.droppedClaims } : {}),
    ...(t.answer ? { answer: { ...toAnswerDto(t.answer), productId: t.answer.productId } } : {}),
    ...(t.comparison
      ? {
          comparison: {
            productIds: [...t.comparison.productIds],
            rows: t.comparison.rows.map((r) => ({ field: r.field, values: [...r.values] })),
          },
        }
      : {}),
  };
}

/** A stored turn as `GET /v1/chat/:id` shows it (the payload was written by the assistant library). */
export function toChatTurnDto(t: StoredTurn): ChatTurnDto {
  const p = t.payload as Record<string, JsonValue | undefined>;
  const answer = p.answer as unknown as (VqaAnswer & { productId: string }) | undefined;
  return {
    seq: t.seq,
    role: t.role,
    message: t.message,
    createdAt: t.createdAt.toISOString(),
    ...(typeof p.intent === 'string' ? { intent: p.intent } : {}),
    ...(typeof p.picture === 'boolean' ? { picture: p.picture } : {}),
    ...(Array.isArray(p.products)
      ? { products: (p.products as unknown as ChatProduct[]).map(toChatProductDto) }
      : {}),
    ...(p.filters && typeof p.filters === 'object'
      ? { filters: p.filters as unknown as ChatFiltersDto }
      : {}),
    ...(answer ? { answer: { ...toAnswerDto(answer), productId: answer.productId } } : {}),
    ...(p.comparison && typeof p.comparison === 'object'
      ? { comparison: p.comparison as unknown as ComparisonDto }
      : {}),
  };
}
