import type { JWK } from 'jose';
import { keyedAuditedTable } from '../../audit/audited-table';

/**
 * report_signing_keys as the `report-key.rotate` entry that made each one describes it: its id
 * and public half, which never change (retiring a key sets only retired_at). A public half
 * swapped behind the application's back would make forged reports verify; this finds it. The
 * first generated key and a configured one have no entry and are not compared.
 */
export const auditedReportKeys = keyedAuditedTable('report_signing_keys', 'report-key', async (manager, ids) => {
  const rows: { kid: string; public_jwk: JWK }[] = await manager.query(
    `SELECT kid, public_jwk FROM report_signing_keys WHERE kid = ANY($1::text[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.kid, { kid: r.kid, publicJwk: r.public_jwk }]));
});
