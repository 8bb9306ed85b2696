import { Controller, Get, Header, Inject, UseGuards } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ReadReplicas } from '../database/read-replicas';
import type { RedisClient } from '../redis/connections';
import { REDIS } from '../redis/redis.token';
import { Access } from '../access/access.decorator';
import { MetricsTokenGuard } from './metrics-access';
import { MetricsService } from './metrics.service';

@ApiTags('Operations')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicator: HealthIndicatorService,
    private readonly metrics: MetricsService,
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly replicas: ReadReplicas,
  ) {}

  // Probes are not rate-limited (that needs Redis), so liveness never depends on Redis.
  @Get('health/live')
  @Access('internal')
  @ApiOperation({ operationId: 'getLiveness', summary: 'The process is up' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @Access('internal')
  @HealthCheck()
  @ApiOperation({ operationId: 'getReadiness', summary: 'PostgreSQL and Redis answer; 503 otherwise' })
  @ApiServiceUnavailableResponse({ description: 'a dependency is down' })
  ready() {
    return this.health.check([
      () => this.db.pingCheck('postgres', { timeout: 2000 }),
      async () => {
        const redis = this.indicator.check('redis');
        try {
          await Promise.race([
            this.redis.ping(),
            new Promise((_, reject) => setTimeout(() => reject(new Error('timeout after 2000 ms')), 2000).unref()),
          ]);
          return redis.up();
        } catch (error) {
          return redis.down({ message: (error as Error).message });
        }
      },
      // Shown, never failing: with every replica down or behind, reads go to the primary.
      ...(this.replicas.configured
        ? [async () => this.indicator.check('replicas').up({ servers: this.replicas.state() })]
        : []),
    ]);
  }

  @Get('metrics')
  @Access('metrics')
  @UseGuards(MetricsTokenGuard)
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    description:
      'On this port only with `Authorization: Bearer <METRICS_TOKEN>` (404 otherwise, and always when METRICS_TOKEN is unset); without a token on METRICS_PORT, when set.',
  })
  @ApiNotFoundResponse({ description: 'no or a wrong METRICS_TOKEN' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ schema: { type: 'string' } })
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
