import { InjectQueue, Process, Processor } from '@nestjs/bull';
import { OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { QueueUpkeep } from '../jobs/queue-upkeep';
import { JobName, QueueName } from '../jobs/queues';
import { keepSchedule } from '../jobs/schedules';
import { BlacklistService } from './blacklist.service';

/**
 * Worker side of the blacklist: the expiry pass, every day at 00:05 Beijing time (listings end
 * at midnight), and once when a worker starts or Redis comes back, to catch up on anything that
 * fell due while no worker ran (or no schedule was kept). The pass is idempotent, so extra runs
 * change nothing.
 */
@Processor(QueueName.Maintenance)
export class BlacklistProcessor implements OnApplicationBootstrap {
  constructor(
    private readonly blacklist: BlacklistService,
    @InjectQueue(QueueName.Maintenance) private readonly queue: Queue,
    private readonly upkeep: QueueUpkeep,
  ) {}

  /** The schedule is kept while Redis may lose it; the catch-up pass runs again when Redis is back. */
  onApplicationBootstrap(): Promise<void> {
    return keepSchedule(this.upkeep, this.queue, {
      what: 'blacklist expiry',
      name: JobName.ExpireBlacklist,
      jobId: 'blacklist-expiry',
      at: { daily: '00:05' },
      data: {},
      catchUp: {},
    });
  }

  @Process(JobName.ExpireBlacklist)
  expire(): Promise<{ removed: number }> {
    return this.blacklist.expireDue();
  }
}
