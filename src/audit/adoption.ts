import { digest } from './digest';

type Query = (sql: string, params?: unknown[]) => Promise<Record<string, string>[]>;

/**
 * Adopts every row now in `table` (keys by the SQL expression `key`) as audited without an entry
 * of its own, for a writer that fills a table in bulk outside the services (`seed:demo`): their keys
 * join `audit_adopted`, and an `audit.adopt` entry records the digest of the table's whole sorted
 * adopted list, which verification checks (migrations/1764455000000-AuditAdoption.ts began it).
 * Run it inside the writer's transaction, last, like every audit entry.
 */
export async function adoptRows(query: Query, table: string, key: string, actorName: string): Promise<void> {
  await query(`INSERT INTO audit_adopted (table_name, key) SELECT $1, ${key} FROM ${table} ON CONFLICT DO NOTHING`, [
    table,
  ]);
  const keys = (
    await query(`SELECT key FROM audit_adopted WHERE table_name = $1 ORDER BY key COLLATE "C"`, [table])
  ).map((r) => r.key);
  await query(
    `INSERT INTO audit_events (actor_type, actor_name, action, entity_type, entity_id, after_digest)
     VALUES ('system', $1, 'audit.adopt', 'audited-table', $2, $3)`,
    [actorName, table, digest(keys)],
  );
}
