import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CatalogQueryUnderstanding } from '@vitrine/search';
import { ApiErrorDto } from '../http/api-error';
import { SUGGEST_LIMITS, SuggestQueryDto, SuggestResponseDto } from './suggest.dto';

@ApiTags('search')
@Controller('v1/suggest')
export class SuggestController {
  constructor(private readonly understanding: CatalogQueryUnderstanding) {}

  @Get()
  @ApiOperation({
    summary: 'Complete what the shopper is typing',
    description:
      'Prefix completions from product titles (whole titles and their words), brands, categories and the terms of ' +
      'the synonym sets, case- and ' +
      'accent-insensitive: completions that start with q first, then those where a later word does; within each, ' +
      'the more products (and the more popular) first. Served from memory, refreshed when the catalog changes.',
  })
  @ApiOkResponse({ type: SuggestResponseDto })
  @ApiResponse({
    status: 400,
    description: 'q missing, empty, over 64 characters or without a letter or digit; limit not 1 to 20',
    type: ApiErrorDto,
  })
  @ApiResponse({
    status: 429,
    description: 'rate limited (the same per-client budget as search)',
    type: ApiErrorDto,
  })
  async suggest(@Query() query: SuggestQueryDto): Promise<SuggestResponseDto> {
    const suggestions = await this.understanding.suggest(query.q, query.limit ?? SUGGEST_LIMITS.defaultLimit);
    return { suggestions: suggestions.map((s) => ({ text: s.text, type: s.type })) };
  }
}
