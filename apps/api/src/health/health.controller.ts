import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { ApiErrorDto } from '../http/api-error';
import { ReadinessIndicators } from './readiness';

@ApiTags('health')
@SkipThrottle()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: ReadinessIndicators,
  ) {}

  @Get('healthz')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: PostgreSQL, vector store, model; Redis and the index outbox backlog as details',
    description:
      'Redis being unreachable does not make the API unready (details.redis.reachable is false): searches do ' +
      'not use it, and catalog writes keep their index work in the outbox (details.indexOutbox: pending, ' +
      'oldestAgeSeconds) until the queue is back.',
  })
  @ApiResponse({ status: 503, description: 'a dependency is down (details name it)', type: ApiErrorDto })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.indicators.database(),
      () => this.indicators.redis(),
      () => this.indicators.outbox(),
      () => this.indicators.vectors(),
      () => this.indicators.model(),
      () => this.indicators.storage(),
    ]);
  }
}
