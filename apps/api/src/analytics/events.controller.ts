import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AnalyticsService } from '@vitrine/analytics';
import { ApiErrorDto } from '../http/api-error';
import { Consumes } from '../http/media-type.guard';
import { EventAcceptedDto, EventDto } from './analytics.dto';

@ApiTags('analytics')
@ApiResponse({ status: 400, description: 'invalid event (the message names the field)', type: ApiErrorDto })
@ApiResponse({ status: 404, description: 'no such product', type: ApiErrorDto })
@ApiResponse({ status: 413, description: 'JSON body too large', type: ApiErrorDto })
@ApiResponse({
  status: 429,
  description: 'rate limited (the same per-client bucket as search)',
  type: ApiErrorDto,
})
@Controller('v1/events')
export class EventsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Post()
  @HttpCode(202)
  @Consumes('application/json')
  @ApiOperation({
    summary: 'Report what a shopper did with a product: click, add_to_cart or purchase',
    description:
      'Pass the `queryId` of the search that showed the product (and its 1-based `position`) so that the click ' +
      'counts for that query in GET /v1/admin/analytics.',
  })
  @ApiAcceptedResponse({ type: EventAcceptedDto })
  async record(@Body() dto: EventDto): Promise<EventAcceptedDto> {
    await this.analytics.recordEvent({
      type: dto.type,
      productId: dto.productId,
      queryId: dto.queryId ?? null,
      position: dto.position ?? null,
    });
    return { accepted: true };
  }
}
