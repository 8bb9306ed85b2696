import { keyedAuditedTable } from '../audit/audited-table';
import type { ApiKey } from './api-key.entity';
import { toApiKeyDto } from './api-keys.service';

/**
 * api_keys as their `api-key.create` or `api-key.revoke` entry left them: a key given more scopes,
 * a higher rate, another institution or its revocation undone behind the application's back
 * differs. (The key's hash is not in the entry, so a swapped hash is not seen here.)
 */
export const auditedApiKeys = keyedAuditedTable('api_keys', 'api-key', 'id::text', async (manager, ids) => {
  const rows: ApiKey[] = await manager.query(
    `SELECT id, institution_id AS "institutionId", prefix, scopes, rate_limit_per_minute AS "rateLimitPerMinute",
            created_at AS "createdAt", revoked_at AS "revokedAt"
       FROM api_keys WHERE id::text = ANY($1::text[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, toApiKeyDto(r)]));
});
