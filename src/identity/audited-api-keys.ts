import { keyedAuditedTable } from '../audit/audited-table';
import { auditedApiKeyRows } from './api-keys.repository';

/** api_keys as the chain's `api-key` entries describe them. */
export const auditedApiKeys = keyedAuditedTable('api_keys', 'api-key', auditedApiKeyRows);
