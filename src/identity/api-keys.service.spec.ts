import { EventEmitter } from 'node:events';
import type { DataSource } from 'typeorm';
import type { AuditService } from '../audit/audit.service';
import type { AppConfig } from '../config/app-config';
import type { RedisClient, RedisConnections } from '../redis/connections';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService, hashKey } from './api-keys.service';
import type { InstitutionsService } from './institutions.service';

const KEY = `qck_0123456789ab_${'A'.repeat(43)}`;
const ROW = {
  id: 'key-1',
  prefix: 'qck_0123456789ab',
  scopes: ['status:read'],
  rate_limit_per_minute: 600,
  institution_id: 'bank-1',
  department_code: 'PBOC',
};

/** The service over a database whose key lookups answer when the test says, and a revocation channel it can speak on. */
async function service() {
  const lookups: { resolve: (rows: unknown[]) => void; reject: (error: Error) => void }[] = [];
  const dataSource = {
    query: jest.fn(
      () =>
        new Promise((resolve, reject) => {
          lookups.push({ resolve, reject });
        }),
    ),
  };
  const channel = Object.assign(new EventEmitter(), {
    subscribe: async () => undefined,
    quit: async () => undefined,
  });
  const keys = new ApiKeysService(
    new ApiKeysRepository(dataSource as unknown as DataSource),
    {} as RedisClient,
    // as ioredis does, the new connection reports 'ready' once connected, and the cache subscribes then
    { subscriber: () => (setImmediate(() => channel.emit('ready')), channel) } as unknown as RedisConnections,
    {} as InstitutionsService,
    {} as AuditService,
    { REDIS_PREFIX: 'test' } as AppConfig,
  );
  await keys.onModuleInit();
  const revoke = () => channel.emit('message', 'test:api-keys:revoked', hashKey(KEY));
  return { keys, dataSource, lookups, revoke };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('API key lookups', () => {
  it('answers concurrent requests with one uncached key from one query, and later ones from the cache', async () => {
    const { keys, dataSource, lookups } = await service();
    const waiting = Array.from({ length: 20 }, () => keys.authenticate(KEY));
    await turn();
    expect(dataSource.query).toHaveBeenCalledTimes(1);
    lookups[0].resolve([ROW]);
    const principals = await Promise.all(waiting);
    expect(new Set(principals.map((p) => p?.keyId))).toEqual(new Set(['key-1']));
    expect((await keys.authenticate(KEY))?.institutionId).toBe('bank-1');
    expect(dataSource.query).toHaveBeenCalledTimes(1);
  });

  it('keeps a lookup that a revocation overtook out of the cache: requests after the revocation ask again', async () => {
    const { keys, dataSource, lookups, revoke } = await service();
    const before = keys.authenticate(KEY);
    await turn();
    revoke();
    const after = keys.authenticate(KEY); // does not join the lookup that began before the revocation
    await turn();
    expect(dataSource.query).toHaveBeenCalledTimes(2);
    lookups[1].resolve([]);
    expect(await after).toBeNull();
    lookups[0].resolve([ROW]); // read before the revocation committed, and answered last
    expect((await before)?.keyId).toBe('key-1');
    const next = keys.authenticate(KEY);
    expect(await next).toBeNull(); // from the cache: the later lookup's answer
    expect(dataSource.query).toHaveBeenCalledTimes(2);
  });

  it('fails everyone waiting on a failed lookup, caches nothing, and asks again on the next request', async () => {
    const { keys, dataSource, lookups } = await service();
    const waiting = [keys.authenticate(KEY), keys.authenticate(KEY)];
    await turn();
    lookups[0].reject(new Error('connection refused'));
    for (const request of waiting) await expect(request).rejects.toThrow('connection refused');
    const next = keys.authenticate(KEY);
    await turn();
    expect(dataSource.query).toHaveBeenCalledTimes(2);
    lookups[1].resolve([ROW]);
    expect((await next)?.keyId).toBe('key-1');
  });

  it('refuses a malformed key without asking the database', async () => {
    const { keys, dataSource } = await service();
    expect(await keys.authenticate('qck_not-a-key')).toBeNull();
    expect(dataSource.query).not.toHaveBeenCalled();
  });
});
