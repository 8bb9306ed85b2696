import { InjectQueue, Process, Processor } from '@nestjs/bull';
import { OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { AuditCheckpointDto } from '../../audit/dto/audit.dto';
import { QueueUpkeep } from '../../jobs/queue-upkeep';
import { everyHourInBeijing, JobName, QueueName } from '../../jobs/queues';
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
    return this.upkeep.keep(this.queue, 'the audit checkpoint schedule', async () => {
      // The daily schedule of earlier versions, which Redis may still hold.
      await this.queue.removeRepeatable(JobName.AuditCheckpoint, {
        cron: '20 0 * * *',
        tz: 'Asia/Shanghai',
        jobId: 'audit-checkpoint',
      });
      await everyHourInBeijing(this.queue, JobName.AuditCheckpoint, 'audit-checkpoint', 20, {});
    });
  }

  @Process(JobName.AuditCheckpoint)
  take(): Promise<AuditCheckpointDto> {
    return this.checkpoints.take();
  }
}
