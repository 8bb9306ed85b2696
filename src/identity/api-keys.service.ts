import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import { hash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import { Problem } from '../common/problem';
import { REDIS } from '../common/redis.token';
import { AppConfig } from '../config/app-config';
import { ApiKey } from './api-key.entity';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/institution.dto';
import { InstitutionsService } from './institutions.service';
import { KeyPrincipal } from './principal';

const KEY_FORMAT = /^qck_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/;
/** How long a looked-up key is trusted without asking the database again. */
const CACHE_TTL_MS = 30_000;

/** One-shot `hash`: a third of the cost of a Hash object, paid on every keyed request. */
export function hashKey(key: string): string {
  return hash('sha256', key, 'hex');
}

function toDto(k: ApiKey): ApiKeyDto {
  const { id, institutionId, prefix, scopes, rateLimitPerMinute, createdAt, revokedAt } = k;
  return { id, institutionId, prefix, scopes, rateLimitPerMinute, createdAt, revokedAt };
}

/**
 * Institution API keys. A key is `qck_<12 hex>_<43 base64url>`: 256 random bits, so one
 * SHA-256 is a safe hash (argon2 is for guessable passwords). Lookups are cached per process,
 * and concurrent requests with one uncached key share one query (else, when a busy key's entry
 * expires, each request in flight would query at once and hold up the pool); a revocation is
 * published on Redis and every replica drops the key at once; the cache's TTL bounds staleness
 * should a message be lost, and a reconnect clears the whole cache.
 */
@Injectable()
export class ApiKeysService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ApiKeysService.name);
  private readonly cache = new LRUCache<string, KeyPrincipal | false>({ max: 50_000, ttl: CACHE_TTL_MS });
  /**
   * Lookups under way, by key hash. Written by hand rather than with the cache's `fetch`, which
   * rejects everyone waiting when a revocation deletes the key mid-lookup.
   */
  private readonly lookups = new Map<string, Promise<KeyPrincipal | false>>();
  /** Revocations and clears so far: a lookup that began before one does not cache its result. */
  private forgotten = 0;
  private readonly channel: string;
  private subscriber?: Redis;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly institutions: InstitutionsService,
    private readonly audit: AuditService,
    config: AppConfig,
  ) {
    this.channel = `${config.REDIS_PREFIX}:api-keys:revoked`;
  }

  async onModuleInit(): Promise<void> {
    this.subscriber = this.redis.duplicate({ keyPrefix: '' });
    this.subscriber.on('message', (_channel: string, keyHash: string) => this.forget(keyHash));
    // Messages sent while disconnected are lost: forget everything on every (re)connection.
    this.subscriber.on('ready', () => this.forget());
    this.subscriber.on('error', (error: Error) => this.logger.warn(`revocation channel: ${error.message}`));
    await this.subscriber.subscribe(this.channel);
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  async create(institutionId: string, dto: CreateApiKeyDto, actor: Actor): Promise<CreatedApiKeyDto> {
    await this.institutions.get(institutionId);
    const prefix = `qck_${randomBytes(6).toString('hex')}`;
    const key = `${prefix}_${randomBytes(32).toString('base64url')}`;
    return this.audit.change(actor, async (manager) => {
      const saved = await manager.save(
        manager.create(ApiKey, {
          institutionId,
          prefix,
          keyHash: hashKey(key),
          scopes: dto.scopes,
          rateLimitPerMinute: dto.rateLimitPerMinute ?? 600,
          createdBy: actor.type === 'user' ? actor.id : null,
        }),
      );
      const after = toDto(await manager.findOneByOrFail(ApiKey, { id: saved.id }));
      return {
        result: { ...after, key },
        entry: { action: 'api-key.create', entityType: 'api-key', entityId: after.id, after },
      };
    });
  }

  async list(institutionId: string): Promise<ApiKeyDto[]> {
    await this.institutions.get(institutionId);
    const keys = await this.dataSource
      .getRepository(ApiKey)
      .find({ where: { institutionId }, order: { createdAt: 'ASC' } });
    return keys.map(toDto);
  }

  async get(id: string): Promise<ApiKeyDto> {
    const key = await this.dataSource.getRepository(ApiKey).findOneBy({ id });
    if (!key) throw Problem.notFound('API key', id);
    return toDto(key);
  }

  async revoke(id: string, actor: Actor): Promise<void> {
    const keyHash = await this.audit.change(actor, async (manager) => {
      const key = await manager
        .createQueryBuilder(ApiKey, 'k')
        .addSelect('k.keyHash')
        .where('k.id = :id', { id })
        .setLock('pessimistic_write')
        .getOne();
      if (!key) throw Problem.notFound('API key', id);
      if (key.revokedAt)
        throw Problem.conflict(
          'already-revoked',
          `API key ${key.prefix} was revoked at ${key.revokedAt.toISOString()}`,
        );
      await manager.update(
        ApiKey,
        { id },
        { revokedAt: () => 'now()', revokedBy: actor.type === 'user' ? actor.id : null },
      );
      const after = toDto(await manager.findOneByOrFail(ApiKey, { id }));
      return {
        result: key.keyHash,
        entry: { action: 'api-key.revoke', entityType: 'api-key', entityId: id, before: toDto(key), after },
      };
    });
    this.forget(keyHash);
    await this.redis.publish(this.channel, keyHash).catch((error: Error) => {
      this.logger.error(
        `could not announce the revocation of key ${id}; other replicas drop it within ${CACHE_TTL_MS / 1000} s: ${error.message}`,
      );
    });
  }

  /** The principal for a presented key, or null when it is unknown, malformed or revoked. */
  async authenticate(key: string): Promise<KeyPrincipal | null> {
    if (!KEY_FORMAT.test(key)) return null;
    const keyHash = hashKey(key);
    const cached = this.cache.get(keyHash);
    if (cached !== undefined) return cached || null;
    let lookup = this.lookups.get(keyHash);
    if (!lookup) {
      lookup = this.lookUp(keyHash).finally(() => {
        if (this.lookups.get(keyHash) === lookup) this.lookups.delete(keyHash);
      });
      this.lookups.set(keyHash, lookup);
    }
    return (await lookup) || null;
  }

  /** The key's principal from the database (false: unknown or revoked), cached unless forgotten meanwhile. */
  private async lookUp(keyHash: string): Promise<KeyPrincipal | false> {
    const forgotten = this.forgotten;
    const [row] = await this.dataSource.query(
      `SELECT k.id, k.prefix, k.scopes, k.rate_limit_per_minute, k.institution_id, i.department_code
         FROM api_keys k JOIN institutions i ON i.id = k.institution_id
        WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
      [keyHash],
    );
    const principal: KeyPrincipal | false = row
      ? {
          kind: 'key',
          keyId: row.id,
          prefix: row.prefix,
          institutionId: row.institution_id,
          departmentCode: row.department_code,
          scopes: row.scopes,
          rateLimitPerMinute: row.rate_limit_per_minute,
        }
      : false;
    if (forgotten === this.forgotten) this.cache.set(keyHash, principal);
    return principal;
  }

  /** Drops one key (or every key) from the cache, and keeps lookups under way from caching theirs. */
  private forget(keyHash?: string): void {
    this.forgotten++;
    if (keyHash === undefined) {
      this.cache.clear();
      this.lookups.clear();
    } else {
      this.cache.delete(keyHash);
      this.lookups.delete(keyHash);
    }
  }
}
