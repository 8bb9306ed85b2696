import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { hash, randomBytes } from 'node:crypto';
import { Actor } from '../access/actor';
import { AuditService } from '../audit/audit.service';
import { AnnouncedCache } from '../redis/announced-cache';
import { Problem } from '../common/problem';
import { RedisClient, RedisConnections } from '../redis/connections';
import { REDIS } from '../redis/redis.token';
import { AppConfig } from '../config/app-config';
import { ApiKeysRepository, toApiKeyDto } from './api-keys.repository';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/institution.dto';
import { InstitutionsService } from './institutions.service';
import { KeyPrincipal } from '../access/principal';

const KEY_FORMAT = /^qck_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/;
/** How long a looked-up key is trusted without asking the database again. */
const CACHE_TTL_MS = 30_000;

/** One-shot `hash`: a third of the cost of a Hash object, paid on every keyed request. */
export function hashKey(key: string): string {
  return hash('sha256', key, 'hex');
}

/**
 * Institution API keys. A key is `qck_<12 hex>_<43 base64url>`: 256 random bits, so one
 * SHA-256 is a safe hash (argon2 is for guessable passwords). Lookups are cached per process
 * in an AnnouncedCache: a revocation is announced on Redis and every replica drops the key at once.
 */
@Injectable()
export class ApiKeysService implements OnModuleInit, OnModuleDestroy {
  private readonly keys: AnnouncedCache<KeyPrincipal>;

  constructor(
    private readonly repository: ApiKeysRepository,
    @Inject(REDIS) redis: RedisClient,
    connections: RedisConnections,
    private readonly institutions: InstitutionsService,
    private readonly audit: AuditService,
    config: AppConfig,
  ) {
    this.keys = new AnnouncedCache(
      redis,
      connections,
      `${config.REDIS_PREFIX}:api-keys:revoked`,
      (keyHash) => this.repository.principal(keyHash),
      new Logger(ApiKeysService.name),
      { max: 50_000, ttlMs: CACHE_TTL_MS },
    );
  }

  onModuleInit(): Promise<void> {
    return this.keys.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.keys.stop();
  }

  async create(institutionId: string, dto: CreateApiKeyDto, actor: Actor): Promise<CreatedApiKeyDto> {
    await this.institutions.get(institutionId);
    const prefix = `qck_${randomBytes(6).toString('hex')}`;
    const key = `${prefix}_${randomBytes(32).toString('base64url')}`;
    return this.audit.change(actor, async (manager) => {
      const saved = await this.repository.insert(manager, {
        institutionId,
        prefix,
        keyHash: hashKey(key),
        label: dto.label ?? null,
        scopes: dto.scopes,
        rateLimitPerMinute: dto.rateLimitPerMinute ?? 600,
        createdBy: actor.type === 'user' ? actor.id : null,
      });
      const after = toApiKeyDto(await this.repository.get(manager, saved.id));
      return {
        result: { ...after, key },
        entry: { action: 'api-key.create', entityType: 'api-key', entityId: after.id, after },
      };
    });
  }

  async list(institutionId: string): Promise<ApiKeyDto[]> {
    await this.institutions.get(institutionId);
    const keys = await this.repository.ofInstitution(institutionId);
    return keys.map(toApiKeyDto);
  }

  async get(id: string): Promise<ApiKeyDto> {
    const key = await this.repository.find(id);
    if (!key) throw Problem.notFound('API key', id);
    return toApiKeyDto(key);
  }

  async revoke(id: string, actor: Actor): Promise<void> {
    const keyHash = await this.audit.change(actor, async (manager) => {
      const key = await this.repository.lockWithHash(manager, id);
      if (!key) throw Problem.notFound('API key', id);
      if (key.revokedAt)
        throw Problem.conflict('already-revoked', {
          en: `API key ${key.prefix} was revoked at ${key.revokedAt.toISOString()}`,
          zh: `API 密钥 ${key.prefix} 已于 ${key.revokedAt.toISOString()} 吊销`,
        });
      await this.repository.revoke(manager, id, actor.type === 'user' ? actor.id : null);
      const after = toApiKeyDto(await this.repository.get(manager, id));
      return {
        result: key.keyHash,
        entry: { action: 'api-key.revoke', entityType: 'api-key', entityId: id, before: toApiKeyDto(key), after },
      };
    });
    await this.keys.announce([keyHash], `the revocation of key ${id}`);
  }

  /** The principal for a presented key, or null when it is unknown, malformed or revoked. */
  async authenticate(key: string): Promise<KeyPrincipal | null> {
    if (!KEY_FORMAT.test(key)) return null;
    return (await this.keys.get(hashKey(key))) || null;
  }
}
