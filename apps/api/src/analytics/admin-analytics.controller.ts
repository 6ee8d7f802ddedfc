import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { AnalyticsService } from '@vitrine/analytics';
import { ApiErrorDto } from '../http/api-error';
import { ApiKeyGuard } from '../http/api-key.guard';
import { AnalyticsDto, AnalyticsQueryDto, toAnalyticsDto } from './analytics.dto';

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
@Controller('v1/admin/analytics')
export class AdminAnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Get()
  @ApiOperation({
    summary: 'Search figures of the last `days` days',
    description:
      'Searches, click-through rate (searches with at least one click / searches), the most frequent and the ' +
      'zero-result text queries (normalised: trimmed, lower case, spaces collapsed) and the storefront event counts. ' +
      'Clicks count for a query when POST /v1/events named its `queryId`. Rows older than ANALYTICS_RETENTION_DAYS ' +
      'are deleted.',
  })
  @ApiOkResponse({ type: AnalyticsDto })
  @ApiResponse({ status: 400, description: 'days is not an integer from 1 to 90', type: ApiErrorDto })
  async report(@Query() query: AnalyticsQueryDto): Promise<AnalyticsDto> {
    return toAnalyticsDto(await this.analytics.report(query.days ?? 7));
  }
}
