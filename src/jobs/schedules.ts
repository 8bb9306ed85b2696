import type { Queue } from 'bull';
import type { QueueUpkeep } from './queue-upkeep';
import { JobName } from './queues';

/** A job the workers run on a schedule of Beijing time. */
export interface Schedule<T> {
  /** What the log calls it: "the blacklist expiry". */
  what: string;
  name: JobName;
  /** Bull keeps one schedule per id, however many workers ask. */
  jobId: string;
  /** Every day at `daily` (HH:MM), or every hour at `hourly` minutes past. */
  at: { daily: string } | { hourly: number };
  data: T;
  /**
   * A run now, besides the schedule, when a worker starts or Redis comes back (not at the
   * periodic check), with this data: for work that may have fallen due while no worker ran, or
   * while Redis held no schedule. The job must be idempotent.
   */
  catchUp?: T;
  /** Removes what earlier versions scheduled in its place and Redis may still hold. */
  replaces?: () => Promise<unknown>;
}

/**
 * Keeps `schedule` on `queue`, through `upkeep`: registered at start, again whenever Redis is back
 * (a restarted Redis is empty) and at every periodic check; its catch-up run, if it has one,
 * queued at start and on reconnection. Every daily and hourly job of the workers is kept this way.
 */
export function keepSchedule<T>(upkeep: QueueUpkeep, queue: Queue, schedule: Schedule<T>): Promise<void> {
  const cron = 'daily' in schedule.at ? dailyCron(schedule.at.daily) : `${schedule.at.hourly} * * * *`;
  return upkeep.keep(queue, `the ${schedule.what} schedule`, async (occasion) => {
    await schedule.replaces?.();
    await queue.add(schedule.name, schedule.data, {
      jobId: schedule.jobId,
      repeat: { cron, tz: 'Asia/Shanghai' },
    });
    if (schedule.catchUp !== undefined && occasion !== 'check') await catchUpNow(queue, schedule, schedule.catchUp);
  });
}

/** `time` (HH:MM) every day, as a cron line. */
function dailyCron(time: string): string {
  const [hours, minutes] = time.split(':').map(Number);
  return `${minutes} ${hours} * * *`;
}

/**
 * A catch-up run (`<jobId>:start`), kept neither done nor failed: a job left under its id would
 * block every later catch-up (Bull keeps one job per id).
 */
function catchUpNow<T>(queue: Queue, schedule: Schedule<T>, data: T) {
  return queue.add(schedule.name, data, {
    jobId: `${schedule.jobId}:start`,
    removeOnComplete: true,
    removeOnFail: true,
  });
}
