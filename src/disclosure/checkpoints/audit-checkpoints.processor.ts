import { InjectQueue, Process, Processor } from '@nestjs/bull';
import { OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { AuditCheckpointDto } from '../../audit/dto/audit.dto';
import { QueueUpkeep } from '../../jobs/queue-upkeep';
import { JobName, QueueName } from '../../jobs/queues';
import { keepSchedule } from '../../jobs/schedules';
import { AuditCheckpointsService } from './audit-checkpoints.service';

/**
 * Worker side of the audit checkpoints: one every hour at 20 past (Beijing time), so the rows no
 * checkpoint covers yet are at most an hour's; the one at 00:20 comes before the daily exports
 * (00:30) put the newest in their manifests.
 */
@Processor(QueueName.Maintenance)
export class AuditCheckpointsProcessor implements OnApplicationBootstrap {
  constructor(
    private readonly checkpoints: AuditCheckpointsService,
    @InjectQueue(QueueName.Maintenance) private readonly queue: Queue,
    private readonly upkeep: QueueUpkeep,
  ) {}

  /** The schedule is kept while Redis may lose it (registered again when Redis is back). */
  onApplicationBootstrap(): Promise<void> {
    return keepSchedule(this.upkeep, this.queue, {
      what: 'audit checkpoint',
      name: JobName.AuditCheckpoint,
      jobId: 'audit-checkpoint',
      at: { hourly: 20 },
      data: {},
      // The daily schedule of earlier versions, which Redis may still hold.
      replaces: () =>
        this.queue.removeRepeatable(JobName.AuditCheckpoint, {
          cron: '20 0 * * *',
          tz: 'Asia/Shanghai',
          jobId: 'audit-checkpoint',
        }),
    });
  }

  @Process(JobName.AuditCheckpoint)
  take(): Promise<AuditCheckpointDto> {
    return this.checkpoints.take();
  }
}
