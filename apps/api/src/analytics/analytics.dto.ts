import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { EVENT_TYPES, MAX_REPORT_DAYS, type AnalyticsReport, type EventType } from '@vitrine/analytics';

export class EventDto {
  @ApiProperty({ enum: EVENT_TYPES, example: 'click' })
  @IsIn(EVENT_TYPES, { message: `type must be one of ${EVENT_TYPES.join(', ')}` })
  type!: EventType;

  @ApiProperty({ format: 'uuid', description: 'the product acted on; 404 when there is no such product' })
  @IsUUID('all', { message: 'productId must be a UUID' })
  productId!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'the `queryId` of the search that showed the product' })
  @IsOptional()
  @IsUUID('all', { message: 'queryId must be a UUID' })
  queryId?: string;

  @ApiPropertyOptional({
    minimum: 1,
    description: "1-based position of the product in that search's results",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  position?: number;
}

export class EventAcceptedDto {
  @ApiProperty({ example: true })
  accepted!: true;
}

export class AnalyticsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_REPORT_DAYS, default: 7 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_REPORT_DAYS)
  days?: number;
}

export class TopQueryDto {
  @ApiProperty({ example: 'red sneakers', description: 'normalised: trimmed, lower case, spaces collapsed' })
  query!: string;
  @ApiProperty({ description: 'searches for it' })
  count!: number;
  @ApiProperty({ description: 'click events on its results' })
  clicks!: number;
  @ApiProperty({ description: 'share of its searches with at least one click (0..1)' })
  ctr!: number;
}

export class ZeroResultQueryDto {
  @ApiProperty({ example: 'unicorn teapot' })
  query!: string;
  @ApiProperty()
  count!: number;
}

export class EventCountsDto {
  @ApiProperty()
  click!: number;
  @ApiProperty()
  add_to_cart!: number;
  @ApiProperty()
  purchase!: number;
}

export class AnalyticsDto {
  @ApiProperty({ format: 'date-time' })
  from!: string;
  @ApiProperty({ format: 'date-time' })
  to!: string;
  @ApiProperty({ description: 'searches (text, image, similar products) started in the window' })
  searches!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'searches with at least one click / searches (0..1); null when there were no searches',
  })
  clickThroughRate!: number | null;
  @ApiProperty({ type: [TopQueryDto], description: 'the 20 most frequent text queries' })
  topQueries!: TopQueryDto[];
  @ApiProperty({
    type: [ZeroResultQueryDto],
    description: 'the 20 most frequent text queries with no result',
  })
  zeroResultQueries!: ZeroResultQueryDto[];
  @ApiProperty({ type: EventCountsDto, description: 'storefront events received in the window' })
  events!: EventCountsDto;
}

export function toAnalyticsDto(report: AnalyticsReport): AnalyticsDto {
  return {
    ...report,
    from: report.from.toISOString(),
    to: report.to.toISOString(),
    topQueries: [...report.topQueries],
    zeroResultQueries: [...report.zeroResultQueries],
    events: { ...report.events },
  };
}
