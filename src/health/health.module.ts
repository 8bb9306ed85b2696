import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { MetricsListener, MetricsTokenGuard } from './metrics-access';
import { MetricsService } from './metrics.service';

/** Health and metrics: served by both roles, so a worker can be probed and scraped too. */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json', gracefulShutdownTimeoutMs: 0 })],
  controllers: [HealthController],
  providers: [MetricsService, MetricsTokenGuard, MetricsListener],
  exports: [MetricsService],
})
export class HealthModule {}
