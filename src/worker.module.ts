import { Module } from '@nestjs/common';

/**
 * The worker role: Bull processors and schedules. Processors are declared here and nowhere
 * else, so an api-only process never takes jobs.
 */
@Module({
  providers: [],
})
export class WorkerModule {}
