import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

export const SUGGEST_LIMITS = { maxPrefix: 64, maxLimit: 20, defaultLimit: 8 } as const;

export class SuggestQueryDto {
  @ApiProperty({
    example: 'gui',
    minLength: 1,
    maxLength: SUGGEST_LIMITS.maxPrefix,
    description: 'what the shopper typed so far (case and accents do not matter)',
  })
  @IsString({ message: 'q is required: what the shopper typed so far' })
  @Length(1, SUGGEST_LIMITS.maxPrefix, {
    message: `q must be 1 to ${SUGGEST_LIMITS.maxPrefix} characters`,
  })
  @Matches(/[\p{L}\p{N}]/u, { message: 'q must contain a letter or digit' })
  q!: string;

  @ApiPropertyOptional({ minimum: 1, maximum: SUGGEST_LIMITS.maxLimit, default: SUGGEST_LIMITS.defaultLimit })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1, { message: `limit must be 1 to ${SUGGEST_LIMITS.maxLimit}` })
  @Max(SUGGEST_LIMITS.maxLimit, { message: `limit must be 1 to ${SUGGEST_LIMITS.maxLimit}` })
  limit?: number;
}

export class SuggestionDto {
  @ApiProperty({ example: 'guitar', description: 'the completion, as the catalog writes it' })
  text!: string;

  @ApiProperty({
    enum: ['title', 'brand', 'category', 'query'],
    example: 'title',
    description:
      'a product title or a word of titles, a brand, a category, or `query`: a term of the synonym sets, which finds ' +
      'products through its set ("sneaker" for the running shoe)',
  })
  type!: 'title' | 'brand' | 'category' | 'query';
}

export class SuggestResponseDto {
  @ApiProperty({ type: [SuggestionDto], description: 'best first; empty when nothing starts with q' })
  suggestions!: SuggestionDto[];
}
