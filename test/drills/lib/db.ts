import { Client } from 'pg';

/**
 * Row count and a digest of every row of every table, for "nothing changed" checks; `except`
 * names tables that log requests by design (e.g. the credit query log).
 */
export async function tableDigests(url: string, except: string[] = []): Promise<Record<string, string>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>(
      // A partition's rows are its parent's (the query log's months): digested, or excepted, with it.
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
          AND NOT (SELECT relispartition FROM pg_class WHERE oid = format('%I', table_name)::regclass)
        ORDER BY 1`,
    );
    const out: Record<string, string> = {};
    for (const { name } of tables.rows) {
      if (except.includes(name)) continue;
      const { rows } = await client.query<{ n: number; d: string }>(
        `SELECT count(*)::int AS n, coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS d FROM "${name}" t`,
      );
      out[name] = `${rows[0].n} rows ${rows[0].d}`;
    }
    return out;
  } finally {
    await client.end();
  }
}

/** The tables whose digests differ. */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((t) => before[t] !== after[t]);
}
