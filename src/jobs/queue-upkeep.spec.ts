import { EventEmitter } from 'node:events';
import type { Queue } from 'bull';
import { QueueUpkeep, UpkeepOccasion } from './queue-upkeep';

/** A queue whose Redis client is an event emitter the test drives. */
const fakeQueue = () => {
  const client = new EventEmitter();
  return { client, queue: { client } as unknown as Queue };
};

describe('QueueUpkeep', () => {
  let upkeep: QueueUpkeep;
  beforeEach(() => (upkeep = new QueueUpkeep()));
  afterEach(() => upkeep.onModuleDestroy());

  it('runs a task at start and again whenever Redis is ready after a loss', async () => {
    const { client, queue } = fakeQueue();
    const occasions: UpkeepOccasion[] = [];
    await upkeep.keep(queue, 'schedules', async (occasion) => occasions.push(occasion));
    client.emit('ready');
    await new Promise(setImmediate);
    expect(occasions).toEqual(['start', 'reconnect']);
  });

  it('never throws, and runs a task again when Redis came back while it was failing', async () => {
    const { client, queue } = fakeQueue();
    const occasions: UpkeepOccasion[] = [];
    let fail: (error: Error) => void = () => undefined;
    const first = upkeep.keep(queue, 'schedules', (occasion) => {
      occasions.push(occasion);
      return occasions.length === 1 ? new Promise((_, reject) => (fail = reject)) : Promise.resolve();
    });
    client.emit('ready'); // while the first run still waits on the lost connection
    fail(new Error('Reached the max retries per request limit'));
    await expect(first).resolves.toBeUndefined();
    await new Promise(setImmediate);
    expect(occasions).toEqual(['start', 'reconnect']);
  });

  it('does nothing once the application is stopping', async () => {
    const { client, queue } = fakeQueue();
    const occasions: UpkeepOccasion[] = [];
    await upkeep.keep(queue, 'schedules', async (occasion) => occasions.push(occasion));
    upkeep.onModuleDestroy();
    client.emit('ready');
    await new Promise(setImmediate);
    expect(occasions).toEqual(['start']);
  });
});
