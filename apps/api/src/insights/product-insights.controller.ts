import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  UploadedFile,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { ImageUpload } from '../http/file-upload.interceptor';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiSecurity,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { NotFoundError, ValidationError } from '@vitrine/core';
import { ProductRepository } from '@vitrine/catalog';
import { AttributeRepository } from '@vitrine/attributes';
import { DescriptionService } from '@vitrine/descriptions';
import { VqaService } from '@vitrine/vqa';
import { ApiErrorDto } from '../http/api-error';
import { ApiKeyGuard } from '../http/api-key.guard';
import { Consumes } from '../http/media-type.guard';
import {
  AnswerDto,
  AskDto,
  AttributesDto,
  DescriptionRequestDto,
  DraftDto,
  toAnswerDto,
  toAttributeDto,
  toDraftDto,
  VqaUploadDto,
} from './insights.dto';

/** Multer's view of an uploaded file (memory storage). */
interface UploadedImage {
  readonly buffer: Buffer;
  readonly size: number;
}

const ANSWER_DESCRIPTION =
  "The answer comes from the best evidence: catalog facts (price, brand, stock, size, the merchant's attributes, " +
  'attributes extracted earlier), else the picture (pixels for colour, CLIP zero-shot for category, material, ' +
  'pattern and style, contrasting prompts for yes/no), else the vision-language endpoint when ANSWERER_URL is set. ' +
  'Below VQA_MIN_CONFIDENCE the answer is "I can\'t tell" (`answered: false`) with the evidence it had. ' +
  '`heatmap: true` adds a PNG of the picture regions that matched (16 extra image embeddings for patch maps).';

@ApiTags('insights')
@ApiResponse({
  status: 400,
  description: 'invalid request (empty question, unknown field)',
  type: ApiErrorDto,
})
@ApiResponse({ status: 404, description: 'no such product', type: ApiErrorDto })
@ApiResponse({ status: 429, description: 'rate limited', type: ApiErrorDto })
@Controller('v1/products')
export class ProductInsightsController {
  constructor(
    private readonly vqa: VqaService,
    private readonly descriptions: DescriptionService,
    private readonly products: ProductRepository,
    private readonly attributeStore: AttributeRepository,
  ) {}

  @Post(':id/ask')
  @HttpCode(200)
  @Consumes('application/json')
  @ApiOperation({ summary: 'Ask a question about a product', description: ANSWER_DESCRIPTION })
  @ApiOkResponse({ type: AnswerDto })
  @ApiResponse({ status: 413, description: 'JSON body larger than 64 kB', type: ApiErrorDto })
  async ask(@Param('id') id: string, @Body() dto: AskDto): Promise<AnswerDto> {
    return toAnswerDto(await this.vqa.askAboutProduct(id, dto.question, { heatmap: dto.heatmap ?? false }));
  }

  @Get(':id/attributes')
  @ApiOperation({
    summary: "Attributes read from a product's picture",
    description:
      'Dominant colour from the pixels and category, colour, material, pattern and style zero-shot, each with its ' +
      'model id and confidence; `current` is false when the product changed after its picture was read.',
  })
  @ApiOkResponse({ type: AttributesDto })
  async attributes(@Param('id') id: string): Promise<AttributesDto> {
    const product = await this.products.getById(id);
    if (!product) throw new NotFoundError('product', id);
    const stored = await this.attributeStore.forProduct(product.id);
    return { productId: product.id, attributes: stored.map((a) => toAttributeDto(a, product.contentHash)) };
  }

  @Post(':id/description')
  @HttpCode(201)
  @UseGuards(ApiKeyGuard)
  @ApiSecurity('api-key')
  @Consumes('application/json')
  @ApiOperation({
    summary: 'Generate a description draft for a product (admin)',
    description:
      'Composed from the catalog facts and confident picture attributes only (templates, or the ANSWERER_URL model ' +
      'whose text is discarded when it contradicts the facts). Stored as a draft with its provenance; approve or ' +
      'reject it under /v1/admin/descriptions. Needs X-Api-Key: it writes, and may spend model time.',
  })
  @ApiCreatedResponse({ type: DraftDto })
  @ApiResponse({ status: 401, description: 'missing or invalid X-Api-Key', type: ApiErrorDto })
  async describe(@Param('id') id: string, @Body() dto: DescriptionRequestDto): Promise<DraftDto> {
    return toDraftDto(await this.descriptions.generate(id, dto.style));
  }
}

@ApiTags('insights')
@ApiExtraModels(VqaUploadDto)
@ApiResponse({ status: 400, description: 'invalid request (no image, empty question)', type: ApiErrorDto })
@ApiResponse({ status: 413, description: 'image larger than IMAGE_MAX_BYTES', type: ApiErrorDto })
@ApiResponse({ status: 415, description: 'not an image format we decode', type: ApiErrorDto })
@ApiResponse({ status: 422, description: 'the image cannot be decoded', type: ApiErrorDto })
@ApiResponse({ status: 429, description: 'rate limited', type: ApiErrorDto })
@Controller('v1/vqa')
export class VqaController {
  constructor(private readonly vqa: VqaService) {}

  @Post()
  @HttpCode(200)
  @Consumes('multipart/form-data')
  @UseInterceptors(ImageUpload('image'))
  @ApiOperation({
    summary: 'Ask a question about an uploaded picture',
    description: `multipart/form-data: the picture as part \`image\`, the question as field \`question\`. ${ANSWER_DESCRIPTION}`,
  })
  @ApiBody({ schema: { $ref: getSchemaPath(VqaUploadDto) } })
  @ApiOkResponse({ type: AnswerDto })
  async ask(@UploadedFile() file: UploadedImage | undefined, @Body() dto: VqaUploadDto): Promise<AnswerDto> {
    if (dto.image !== undefined)
      throw new ValidationError('image must be sent as a file part of a multipart/form-data request', {
        field: 'image',
      });
    if (!file)
      throw new ValidationError('send the picture as the multipart part "image"', { field: 'image' });
    if (file.size === 0) throw new ValidationError('the uploaded image is empty', { field: 'image' });
    return toAnswerDto(
      await this.vqa.askAboutImage(file.buffer, dto.question, { heatmap: dto.heatmap ?? false }),
    );
  }
}
