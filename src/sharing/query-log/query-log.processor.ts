import { InjectQueue, Process, Processor } from '@nestjs/bull';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { QueueUpkeep } from '../../jobs/queue-upkeep';
import { JobName, QueueName } from '../../jobs/queues';
import { keepSchedule } from '../../jobs/schedules';
import { ArchivedMonth, QueryLogService } from './query-log.service';

/**
 * Worker side of the query log's months: every day at 03:40 Beijing time (after the night's
 * exports, before the day's lookups), and once when a worker starts or Redis comes back, so that
 * months are added however long no worker ran. The job is idempotent and takes a lock, so runs
 * on two workers at once do the work once.
 */
@Processor(QueueName.Maintenance)
export class QueryLogProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(QueryLogProcessor.name);

  constructor(
    private readonly queryLog: QueryLogService,
    @InjectQueue(QueueName.Maintenance) private readonly queue: Queue,
    private readonly upkeep: QueueUpkeep,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Said once at start, as an error, not thrown: the worker's other jobs do not need the owner.
    const cannot = await this.queryLog.cannotKeepMonths();
    if (cannot) this.logger.error(cannot);
    await keepSchedule(this.upkeep, this.queue, {
      what: 'query log months',
      name: JobName.KeepQueryLogMonths,
      jobId: 'query-log-months',
      at: { daily: '03:40' },
      data: {},
      catchUp: {},
    });
  }

  @Process(JobName.KeepQueryLogMonths)
  keep(): Promise<{ added: string[]; archived: ArchivedMonth[] }> {
    return this.queryLog.keepMonths();
  }
}
