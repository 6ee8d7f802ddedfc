import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import type { StoredAttribute } from '@vitrine/attributes';
import { DESCRIPTION_STYLES, type DescriptionDraft, type DescriptionStyle } from '@vitrine/descriptions';
import { EVIDENCE_SOURCES, MAX_QUESTION_CHARS, QUESTION_TYPES, type VqaAnswer } from '@vitrine/vqa';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);
/** Multipart fields arrive as strings. */
const formBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

export class AskDto {
  @ApiProperty({ example: 'What colour is it?', maxLength: MAX_QUESTION_CHARS })
  @Transform(trim)
  @IsString()
  @IsNotEmpty({ message: 'question must not be empty' })
  @MaxLength(MAX_QUESTION_CHARS)
  question!: string;

  @ApiPropertyOptional({
    default: false,
    description: 'also return a heatmap of the picture regions that matched',
  })
  @IsOptional()
  @IsBoolean()
  heatmap?: boolean;
}

/** `POST /v1/vqa`: multipart/form-data with an `image` file part and these fields. */
export class VqaUploadDto {
  @ApiPropertyOptional({ type: 'string', format: 'binary', description: 'the picture (file part)' })
  @IsOptional()
  image?: unknown;

  @ApiProperty({ example: 'Is it leather?', maxLength: MAX_QUESTION_CHARS })
  @Transform(trim)
  @IsString()
  @IsNotEmpty({ message: 'question must not be empty' })
  @MaxLength(MAX_QUESTION_CHARS)
  question!: string;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @Transform(formBoolean)
  @IsBoolean()
  heatmap?: boolean;
}

export class HeatmapDto {
  @ApiProperty({ enum: ['patches', 'pixels'] })
  kind!: 'patches' | 'pixels';
  @ApiProperty({ description: 'text (or colour) the regions were matched against' })
  prompt!: string;
  @ApiProperty({
    example: 'data:image/png;base64,iVBORw0KGgo…',
    description: 'PNG of the picture with the map over it',
  })
  png!: string;
  @ApiProperty()
  width!: number;
  @ApiProperty()
  height!: number;
  @ApiProperty({
    type: 'array',
    items: { type: 'array', items: { type: 'number' } },
    description: 'score per cell',
  })
  grid!: number[][];
}

export class CandidateDto {
  @ApiProperty()
  value!: string;
  @ApiProperty()
  probability!: number;
}

export class EvidenceDto {
  @ApiProperty({
    example: 'description',
    description: 'where the text is: title, description, brand, category, price, inStock or attributes.<key>',
  })
  field!: string;
  @ApiProperty({ example: 'Comes with a 2-year manufacturer warranty.', description: 'the text, verbatim' })
  text!: string;
}

export class AnswerDto {
  @ApiProperty({ example: "It's mostly red." })
  answer!: string;
  @ApiProperty({ type: String, nullable: true, example: 'red' })
  value!: string | null;
  @ApiProperty({ description: `false when the answer is "I can't tell"` })
  answered!: boolean;
  @ApiProperty({ minimum: 0, maximum: 1 })
  confidence!: number;
  @ApiProperty({ enum: EVIDENCE_SOURCES })
  source!: string;
  @ApiProperty({
    enum: QUESTION_TYPES,
    description: '`unknowable`: neither the catalog nor the picture can settle it; never answered',
  })
  questionType!: string;
  @ApiPropertyOptional()
  modelId?: string;
  @ApiPropertyOptional({ type: [CandidateDto] })
  candidates?: CandidateDto[];
  @ApiProperty({ example: 'catalog attribute colour' })
  explanation!: string;
  @ApiPropertyOptional({ type: HeatmapDto })
  heatmap?: HeatmapDto;
  @ApiPropertyOptional({
    type: [EvidenceDto],
    description: 'catalog text the answer quotes (the sentence or attribute that answers, with its field)',
  })
  evidence?: EvidenceDto[];
}

export function toAnswerDto(a: VqaAnswer): AnswerDto {
  const { heatmap, candidates, evidence, ...rest } = a;
  return {
    ...rest,
    ...(evidence ? { evidence: evidence.map((e) => ({ field: e.field, text: e.text })) } : {}),
    ...(candidates
      ? { candidates: candidates.map((c) => ({ value: c.value, probability: round(c.probability) })) }
      : {}),
    confidence: round(a.confidence),
    ...(heatmap
      ? {
          heatmap: {
            kind: heatmap.kind,
            prompt: heatmap.prompt,
            png: `data:image/png;base64,${heatmap.png.toString('base64')}`,
            width: heatmap.width,
            height: heatmap.height,
            grid: heatmap.grid.map((row) => row.map(round)),
          },
        }
      : {}),
  };
}

export class AttributeDto {
  @ApiProperty({ enum: ['category', 'colour', 'material', 'pattern', 'style'] })
  attribute!: string;
  @ApiProperty({ example: 'red' })
  value!: string;
  @ApiProperty({ minimum: 0, maximum: 1 })
  confidence!: number;
  @ApiProperty({ enum: ['pixels', 'zero-shot'] })
  source!: string;
  @ApiProperty()
  modelId!: string;
  @ApiProperty({ description: 'false when the product changed after the picture was read' })
  current!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true })
  details!: object;
  @ApiProperty({ format: 'date-time' })
  extractedAt!: string;
}

export class AttributesDto {
  @ApiProperty({ format: 'uuid' })
  productId!: string;
  @ApiProperty({ type: [AttributeDto] })
  attributes!: AttributeDto[];
}

export function toAttributeDto(a: StoredAttribute, contentHash: string): AttributeDto {
  return {
    attribute: a.attribute,
    value: a.value,
    confidence: round(a.confidence),
    source: a.source,
    modelId: a.modelId,
    current: a.contentHash === contentHash,
    details: a.details,
    extractedAt: a.extractedAt.toISOString(),
  };
}

export class DescriptionRequestDto {
  @ApiProperty({ enum: DESCRIPTION_STYLES, example: 'short' })
  @IsIn(DESCRIPTION_STYLES)
  style!: DescriptionStyle;
}

export class DraftDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ format: 'uuid' })
  productId!: string;
  @ApiProperty({ enum: DESCRIPTION_STYLES })
  style!: string;
  @ApiProperty()
  text!: string;
  @ApiProperty({ enum: ['draft', 'approved', 'rejected'] })
  status!: string;
  @ApiProperty({ example: 'template@1', description: '`template@1`, or `remote:<model>`' })
  generator!: string;
  @ApiProperty({ minimum: 0, maximum: 1, description: 'lowest confidence among the facts used' })
  confidence!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'provenance: the facts used, and any discarded model text',
  })
  inputs!: object;
  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  reviewedAt!: string | null;
  @ApiProperty({ type: String, nullable: true })
  reviewNote!: string | null;
}

export function toDraftDto(d: DescriptionDraft): DraftDto {
  return {
    id: d.id,
    productId: d.productId,
    style: d.style,
    text: d.text,
    status: d.status,
    generator: d.generator,
    confidence: round(d.confidence),
    inputs: d.inputs,
    createdAt: d.createdAt.toISOString(),
    reviewedAt: d.reviewedAt?.toISOString() ?? null,
    reviewNote: d.reviewNote,
  };
}

export class ReviewDto {
  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

export class ReviewResponseDto {
  @ApiProperty({ type: DraftDto })
  draft!: DraftDto;
  @ApiProperty({ description: 'whether the text became the product description' })
  published!: boolean;
  @ApiProperty({ description: 'whether re-indexing of the product was queued' })
  indexQueued!: boolean;
}

export class GenerateMissingDto {
  @ApiProperty({ enum: DESCRIPTION_STYLES })
  @IsIn(DESCRIPTION_STYLES)
  style!: DescriptionStyle;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class GenerateMissingResponseDto {
  @ApiProperty()
  generated!: number;
  @ApiProperty({ description: 'products deleted while the run went on' })
  failed!: number;
  @ApiProperty({ description: 'products still lacking a description and a draft of this style: call again' })
  remaining!: number;
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
