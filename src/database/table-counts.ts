import type { EntityManager } from 'typeorm';

/**
 * How many rows each of these tables holds, in one statement: for a summary across modules (the
 * demo seed's report of what it wrote), not for a module's own logic, which counts through its
 * repository. Names are checked: they go into the SQL as identifiers.
 */
export async function tableCounts(manager: EntityManager, tables: readonly string[]): Promise<Record<string, number>> {
  const bad = tables.filter((t) => !/^[a-z_][a-z0-9_]*$/.test(t));
  if (bad.length) throw new Error(`not table names: ${bad.join(', ')}`);
  const rows: { name: string; n: number }[] = await manager.query(
    tables.map((t) => `SELECT '${t}' AS name, count(*)::int AS n FROM ${t}`).join(' UNION ALL '),
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.n]));
}
