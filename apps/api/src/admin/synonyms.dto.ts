import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, Length } from 'class-validator';
import { SYNONYM_LIMITS } from '@vitrine/search';

const RANGE = `${SYNONYM_LIMITS.minTerms} to ${SYNONYM_LIMITS.maxTerms}`;

export class SynonymTermsDto {
  @ApiProperty({
    type: [String],
    example: ['sneaker', 'trainer', 'running shoe'],
    minItems: SYNONYM_LIMITS.minTerms,
    maxItems: SYNONYM_LIMITS.maxTerms,
    description:
      `${RANGE} equivalent terms of 1 to ${SYNONYM_LIMITS.maxTermLength} characters (words or phrases); a search ` +
      'for any of them also matches the others in full-text search. Trimmed; repeats (ignoring case) dropped.',
  })
  @IsArray({ message: 'terms must be an array of strings' })
  @ArrayMinSize(SYNONYM_LIMITS.minTerms, { message: `terms must hold ${RANGE} terms` })
  @ArrayMaxSize(SYNONYM_LIMITS.maxTerms, { message: `terms must hold ${RANGE} terms` })
  @IsString({ each: true, message: 'each term must be a string' })
  @Length(1, SYNONYM_LIMITS.maxTermLength, {
    each: true,
    message: `each term must be 1 to ${SYNONYM_LIMITS.maxTermLength} characters`,
  })
  terms!: string[];
}

export class SynonymSetDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ type: [String], example: ['sneaker', 'trainer', 'running shoe'] })
  terms!: string[];
}

export class SynonymSetsDto {
  @ApiProperty({ type: [SynonymSetDto], description: 'every set, oldest first' })
  items!: SynonymSetDto[];
}
