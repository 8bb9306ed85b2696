import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { KeyPrincipal } from '../access/principal';
import { keyedAuditedTable } from '../audit/audited-table';
import { ApiKey } from './api-key.entity';
import type { ApiKeyDto } from './dto/institution.dto';

/**
 * A key as the API shows it and its audit entries describe it. The label is there only when the
 * key has one, so that the entries written before keys had labels still describe their rows.
 */
export function toApiKeyDto(k: ApiKey): ApiKeyDto {
  const { id, institutionId, prefix, label, scopes, rateLimitPerMinute, createdAt, revokedAt } = k;
  return { id, institutionId, prefix, ...(label ? { label } : {}), scopes, rateLimitPerMinute, createdAt, revokedAt };
}

/** The institutions' API keys; a key's hash is read only to revoke it or to authenticate a request. */
@Injectable()
export class ApiKeysRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  insert(manager: EntityManager, key: Partial<ApiKey>): Promise<ApiKey> {
    return manager.save(manager.create(ApiKey, key));
  }

  get(manager: EntityManager, id: string): Promise<ApiKey> {
    return manager.findOneByOrFail(ApiKey, { id });
  }

  find(id: string): Promise<ApiKey | null> {
    return this.db.getRepository(ApiKey).findOneBy({ id });
  }

  ofInstitution(institutionId: string): Promise<ApiKey[]> {
    return this.db.getRepository(ApiKey).find({ where: { institutionId }, order: { createdAt: 'ASC' } });
  }

  /** The key with its hash, locked until the transaction ends. */
  lockWithHash(manager: EntityManager, id: string): Promise<ApiKey | null> {
    return manager
      .createQueryBuilder(ApiKey, 'k')
      .addSelect('k.keyHash')
      .where('k.id = :id', { id })
      .setLock('pessimistic_write')
      .getOne();
  }

  async revoke(manager: EntityManager, id: string, revokedBy: string | null): Promise<void> {
    await manager.update(ApiKey, { id }, { revokedAt: () => 'now()', revokedBy });
  }

  /** The principal of the unrevoked key with this hash (false: unknown or revoked). */
  async principal(keyHash: string): Promise<KeyPrincipal | false> {
    const [row] = await this.db.query(
      `SELECT k.id, k.prefix, k.scopes, k.rate_limit_per_minute, k.institution_id, i.department_code
         FROM api_keys k JOIN institutions i ON i.id = k.institution_id
        WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
      [keyHash],
    );
    return row
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
  }
}

/**
 * api_keys as their `api-key.create` or `api-key.revoke` entry left them: a key given more scopes,
 * a higher rate, another institution or its revocation undone behind the application's back
 * differs. (The key's hash is not in the entry, so a swapped hash is not seen here.)
 */
export const auditedApiKeys = keyedAuditedTable('api_keys', 'api-key', {
  async keys(manager) {
    const rows: { id: string }[] = await manager.query(`SELECT id::text FROM api_keys`);
    return rows.map((r) => r.id);
  },
  async asWritten(manager, ids) {
    const rows: ApiKey[] = await manager.query(
      `SELECT id, institution_id AS "institutionId", prefix, label, scopes, rate_limit_per_minute AS "rateLimitPerMinute",
              created_at AS "createdAt", revoked_at AS "revokedAt"
         FROM api_keys WHERE id::text = ANY($1::text[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, toApiKeyDto(r)]));
  },
});
