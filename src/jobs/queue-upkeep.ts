import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { Queue } from 'bull';

/** How often each upkeep task runs besides at start and on reconnection (a Redis flushed without a disconnection). */
const CHECK_MS = 30_000;

/** Why an upkeep task runs: at start, because the queue's Redis connection is back, or the periodic check. */
export type UpkeepOccasion = 'start' | 'reconnect' | 'check';

/**
 * Keeps what a queue holds only in Redis there: schedules, and jobs made again from the database
 * (Redis keeps nothing on disk, so a restarted Redis is empty). Each task runs at start, whenever
 * the queue's connection to Redis is ready again, and every CHECK_MS; it must be idempotent (Bull
 * keeps one job per id), since every worker runs it. A failure is logged and never thrown: a
 * worker outlives a Redis outage and does the task again when Redis is back.
 */
@Injectable()
export class QueueUpkeep implements OnModuleDestroy {
  private readonly logger = new Logger(QueueUpkeep.name);
  private readonly checks: (() => void)[] = [];
  private timer?: NodeJS.Timeout;
  private stopped = false;

  /** Registers `task` and runs it once; resolves when that first run has ended, however it ended. */
  keep(queue: Queue, what: string, task: (occasion: UpkeepOccasion) => Promise<unknown>): Promise<void> {
    let running: Promise<void> | undefined;
    let again: UpkeepOccasion | undefined;
    const run = (occasion: UpkeepOccasion): Promise<void> => {
      if (this.stopped) return Promise.resolve();
      // A reconnection while the task runs (most likely failing on the lost connection) runs it again after.
      if (running) {
        if (again !== 'reconnect') again = occasion;
        return running;
      }
      running = task(occasion)
        .then(
          () => undefined,
          (error: Error) =>
            this.logger.warn(`${what} (${occasion}) failed, done again once Redis answers: ${error.message}`),
        )
        .finally(() => {
          running = undefined;
          const next = again;
          again = undefined;
          if (next) void run(next);
        });
      return running;
    };
    queue.client.on('ready', () => void run('reconnect'));
    this.checks.push(() => void run('check'));
    this.timer ??= setInterval(() => this.checks.forEach((check) => check()), CHECK_MS).unref();
    return run('start');
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }
}
