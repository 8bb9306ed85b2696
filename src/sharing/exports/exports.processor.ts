import { InjectQueue, Process, Processor } from '@nestjs/bull';
import { OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { QueueUpkeep } from '../../jobs/queue-upkeep';
import { JobName, QueueName } from '../../jobs/queues';
import { keepSchedule } from '../../jobs/schedules';
import { ExportsService } from './exports.service';

/**
 * Worker side of the daily exports: yesterday's files every day at 00:30 Beijing time, and once
 * when a worker starts or Redis comes back for departments that lack them (a worker that was
 * down at 00:30 catches up). A department that has a day whole keeps it: extra runs do no harm.
 */
@Processor(QueueName.Exports)
export class ExportsProcessor implements OnApplicationBootstrap {
  constructor(
    private readonly exports: ExportsService,
    @InjectQueue(QueueName.Exports) private readonly queue: Queue,
    private readonly upkeep: QueueUpkeep,
  ) {}

  /** The schedule is kept while Redis may lose it; the catch-up runs again when Redis is back. */
  onApplicationBootstrap(): Promise<void> {
    return keepSchedule(this.upkeep, this.queue, {
      what: 'daily exports',
      name: JobName.WriteExports,
      jobId: 'daily-exports',
      at: { daily: '00:30' },
      data: {},
      catchUp: { ifMissing: true },
    });
  }

  /**
   * Writes a day only where it is missing or incomplete, unless the job says `force`: files
   * partners have downloaded keep their SHA-256 sums.
   */
  @Process(JobName.WriteExports)
  write(
    // ifMissing (the start-up job's): what every job does unless it says force.
    job: Job<{ date?: string; force?: boolean; ifMissing?: boolean; startedBy?: string }>,
  ): Promise<{ date: string; departments: string[] }> {
    return this.exports.writeDay(job.data.date, job.data.force !== true);
  }
}
