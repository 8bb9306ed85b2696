import type { JWK } from 'jose';
import { keyedAuditedTable } from '../../audit/audited-table';

/**
 * report_signing_keys as the `report-key.generate`, `.rotate` or `.configure` entry that made each
 * one describes it: its id and public half, which never change (retiring a key sets only
 * retired_at). A public half swapped, or a key inserted, behind the application's back would make
 * forged reports and checkpoints verify; this finds it.
 */
export const auditedReportKeys = keyedAuditedTable('report_signing_keys', 'report-key', 'kid', async (manager, ids) => {
  const rows: { kid: string; public_jwk: JWK }[] = await manager.query(
    `SELECT kid, public_jwk FROM report_signing_keys WHERE kid = ANY($1::text[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.kid, { kid: r.kid, publicJwk: r.public_jwk }]));
});
