import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { SynonymService, type SynonymSet } from '@vitrine/search';
import { ApiErrorDto } from '../http/api-error';
import { ApiKeyGuard } from '../http/api-key.guard';
import { Consumes } from '../http/media-type.guard';
import { SynonymSetDto, SynonymSetsDto, SynonymTermsDto } from './synonyms.dto';

const EFFECT =
  'The next search uses it (this replica at once; other replicas within about 5 s), and the terms join the ' +
  'vocabulary of spelling correction.';

@ApiTags('admin')
@ApiSecurity('api-key')
@ApiResponse({ status: 401, description: 'missing or invalid X-Api-Key', type: ApiErrorDto })
@ApiResponse({
  status: 429,
  description:
    'too many failed admin authentications from this address (ADMIN_AUTH_FAILURES_PER_MINUTE); Retry-After says when to retry',
  type: ApiErrorDto,
})
@UseGuards(ApiKeyGuard)
@SkipThrottle()
@Controller('v1/admin/synonyms')
export class SynonymsController {
  constructor(private readonly synonyms: SynonymService) {}

  @Get()
  @ApiOperation({ summary: 'The synonym sets of text search' })
  @ApiOkResponse({ type: SynonymSetsDto })
  async list(): Promise<SynonymSetsDto> {
    return { items: (await this.synonyms.list()).map(toDto) };
  }

  @Post()
  @Consumes('application/json')
  @ApiOperation({ summary: 'Add a set of equivalent search terms', description: EFFECT })
  @ApiCreatedResponse({ type: SynonymSetDto })
  @ApiResponse({ status: 400, description: 'terms invalid (the message names the rule)', type: ApiErrorDto })
  async create(@Body() dto: SynonymTermsDto): Promise<SynonymSetDto> {
    return toDto(await this.synonyms.create(dto.terms));
  }

  @Put(':id')
  @Consumes('application/json')
  @ApiOperation({ summary: 'Replace the terms of a synonym set', description: EFFECT })
  @ApiOkResponse({ type: SynonymSetDto })
  @ApiResponse({ status: 400, description: 'terms invalid (the message names the rule)', type: ApiErrorDto })
  @ApiResponse({ status: 404, description: 'no synonym set with this id', type: ApiErrorDto })
  async update(@Param('id') id: string, @Body() dto: SynonymTermsDto): Promise<SynonymSetDto> {
    return toDto(await this.synonyms.update(id, dto.terms));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a synonym set', description: EFFECT })
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiResponse({ status: 404, description: 'no synonym set with this id', type: ApiErrorDto })
  async remove(@Param('id') id: string): Promise<void> {
    await this.synonyms.delete(id);
  }
}

function toDto(set: SynonymSet): SynonymSetDto {
  return { id: set.id, terms: [...set.terms] };
}
