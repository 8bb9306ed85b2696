import { MigrationInterface, QueryRunner } from 'typeorm';

/** The query log's columns, in the table's order (a row's text, and so the digest, depends on it). */
const COLUMNS = `
  id              bigint GENERATED ALWAYS AS IDENTITY,
  institution_id  uuid NOT NULL,
  api_key_id      uuid,
  user_id         uuid,
  purpose         text NOT NULL CHECK (purpose IN ('loan_application', 'loan_review', 'tax_assessment',
                    'tax_incentive', 'procurement', 'other')),
  uscc            varchar(18) COLLATE "C" NOT NULL,
  asked_at        timestamptz NOT NULL,
  as_of           timestamptz,
  CHECK ((api_key_id IS NULL) <> (user_id IS NULL))`;

/** The indexes the reads use (by enterprise, by institution), as QueryLogIndexes and InstitutionPortal left them. */
const INDEXES = [
  `CREATE INDEX ix_credit_queries_uscc ON credit_queries (uscc, asked_at DESC, id DESC)`,
  `CREATE INDEX ix_credit_queries_institution ON credit_queries (institution_id, asked_at DESC, id DESC)`,
];

const GUARDS = [
  `CREATE TRIGGER credit_queries_append_only BEFORE UPDATE OR DELETE ON credit_queries
   FOR EACH ROW EXECUTE FUNCTION refuse_change('the query log is append-only')`,
  `CREATE TRIGGER credit_queries_no_truncate BEFORE TRUNCATE ON credit_queries
   FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('the query log is append-only')`,
];

/** Renames the identity's sequence of `table` (just renamed from credit_queries) after it, freeing its name. */
const renameSequence = (table: string) => `
  DO $$ BEGIN
    EXECUTE format('ALTER SEQUENCE %s RENAME TO %I', pg_get_serial_sequence('${table}', 'id'), '${table}_id_seq');
  END $$`;

/**
 * How many rows `table` holds and an order-free digest of their text (60 bits of each row's MD5,
 * summed as numeric): one pass, no sort, and no string_agg that a log of hundreds of millions of
 * rows would overflow (1 GB). Equal on both sides means no row lost, added or changed.
 */
const census = (table: string) => `
  SELECT count(*)::bigint AS rows, coalesce(sum(('x' || left(md5(q::text), 15))::bit(60)::bigint::numeric), 0) AS digest
    FROM ${table} q`;

/**
 * Rebuilds credit_queries as `create` makes it (empty): the old table is set aside under `aside`
 * (its key, indexes and sequence renamed after it), its rows are copied into the new one with their
 * ids, then come the indexes (one sorted build per partition, not a row-by-row insert) and the
 * guards. The rows' count and digest must be equal before and after, or it throws and the
 * migration's transaction changes nothing; the old table is dropped, and qc_app gets its rights
 * on the new tables (SELECT and INSERT; no UPDATE, DELETE or TRUNCATE on any of them).
 */
async function rebuild(q: QueryRunner, aside: string, create: () => Promise<void>): Promise<void> {
  const [before] = await q.query(census('credit_queries'));
  await q.query(`ALTER TABLE credit_queries RENAME TO ${aside}`);
  await q.query(`ALTER TABLE ${aside} RENAME CONSTRAINT credit_queries_pkey TO ${aside}_pkey`);
  await q.query(`ALTER INDEX ix_credit_queries_uscc RENAME TO ix_${aside}_uscc`);
  await q.query(`ALTER INDEX ix_credit_queries_institution RENAME TO ix_${aside}_institution`);
  await q.query(renameSequence(aside));
  await create();
  await q.query(`INSERT INTO credit_queries OVERRIDING SYSTEM VALUE SELECT * FROM ${aside}`);
  await q.query(`
    SELECT setval(pg_get_serial_sequence('credit_queries', 'id'),
                  coalesce((SELECT max(id) FROM credit_queries), 0) + 1, false)`);
  for (const index of INDEXES) await q.query(index);
  for (const guard of GUARDS) await q.query(guard);
  const [after] = await q.query(census('credit_queries'));
  if (before.rows !== after.rows || before.digest !== after.digest) {
    throw new Error(
      `credit_queries: ${before.rows} rows (digest ${before.digest}) before, ${after.rows} (digest ${after.digest}) after; nothing was changed`,
    );
  }
  await q.query(`DROP TABLE ${aside}`);
  await q.query(`SELECT grant_app_role()`);
}

/**
 * The query log becomes a table partitioned by month of `asked_at`, so that its retention detaches
 * and archives a month whole (QueryLogService) instead of deleting rows, which the append-only
 * guard forbids anyway, and reads of recent months skip the older ones.
 *
 * Months are Beijing months, like every day of the registry (exports, listings, "today"): the
 * archive of 2026-03 holds what institutions asked in March as they count it, the first eight
 * hours of March 1st included. A DEFAULT partition takes any row whose month has no partition
 * yet, so a status answer never fails because the job that creates the months ahead
 * (`query_log_add_month`) has not run; that job files such rows into their month.
 *
 * The primary key becomes (id, asked_at), as a partitioned table's must hold the partition key.
 * Nothing references credit_queries.id (no foreign key, and the API never shows a log row's id);
 * the ids are kept, and the identity goes on from the largest. The rows are copied in the same
 * transaction as the checks: the count and digest of the old table must equal the new one's, or
 * the migration fails and changes nothing.
 */
export class QueryLogPartitions1765750000000 implements MigrationInterface {
  name = 'QueryLogPartitions1765750000000';

  async up(q: QueryRunner): Promise<void> {
    await rebuild(q, 'credit_queries_unpartitioned', async () => {
      await q.query(
        `CREATE TABLE credit_queries (${COLUMNS}, PRIMARY KEY (id, asked_at)) PARTITION BY RANGE (asked_at)`,
      );
      await q.query(`CREATE TABLE credit_queries_default PARTITION OF credit_queries DEFAULT`);
      // Sets the DEFAULT partition aside, its rows and all, as credit_queries_filing_<microseconds>,
      // and puts an empty one in its place: changes of the catalogue only (no row is read or
      // moved), so the parent's ACCESS EXCLUSIVE lock is held for milliseconds whatever the
      // DEFAULT holds. A partition cannot be added while the DEFAULT holds rows of its range, and
      // those rows cannot be moved out of it (append-only); the job (QueryLogService) then files
      // the rows set aside into their months in batches, each a short transaction, with no lock
      // on the log beyond an insert's. Detaching drops the table's copy of the guard, so qc_app's
      // rights on it are revoked too: it is the owner's until it is filed and dropped.
      await q.query(`
      CREATE FUNCTION query_log_set_default_aside() RETURNS text
      LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
      DECLARE
        aside text := 'credit_queries_filing_' || (extract(epoch FROM clock_timestamp()) * 1000000)::bigint;
      BEGIN
        ALTER TABLE credit_queries DETACH PARTITION credit_queries_default;
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'qc_app') THEN
          REVOKE ALL ON credit_queries_default FROM qc_app;
        END IF;
        EXECUTE format('ALTER TABLE credit_queries_default RENAME TO %I', aside);
        CREATE TABLE credit_queries_default PARTITION OF credit_queries DEFAULT;
        -- A partition takes none of its parent's rights (see query_log_add_month).
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'qc_app') THEN
          GRANT SELECT, INSERT ON credit_queries_default TO qc_app;
        END IF;
        RETURN aside;
      END $$`);
      await q.query(`REVOKE EXECUTE ON FUNCTION query_log_set_default_aside() FROM PUBLIC`);
      // Adds month `month`'s partition when missing; rows of it in the DEFAULT partition are set
      // aside first (above), for the job to file. Run by the owner only (the migrations, and the
      // workers' daily job on DATABASE_URL): it runs with its caller's rights, and qc_app owns nothing.
      await q.query(`
      CREATE FUNCTION query_log_add_month(month date) RETURNS boolean
      LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
      DECLARE
        name text := 'credit_queries_' || to_char(month, 'YYYY_MM');
        starts timestamptz := date_trunc('month', month)::timestamp AT TIME ZONE 'Asia/Shanghai';
        ends timestamptz := (date_trunc('month', month) + interval '1 month')::timestamp AT TIME ZONE 'Asia/Shanghai';
      BEGIN
        -- Two workers at once: the second waits here, then finds the month there.
        PERFORM pg_advisory_xact_lock(7330350);
        IF to_regclass(name) IS NOT NULL THEN
          RETURN false;
        END IF;
        IF EXISTS (SELECT 1 FROM credit_queries_default WHERE asked_at >= starts AND asked_at < ends) THEN
          PERFORM query_log_set_default_aside();
        END IF;
        EXECUTE format('CREATE TABLE %I PARTITION OF credit_queries FOR VALUES FROM (%L) TO (%L)', name, starts, ends);
        -- A partition takes none of its parent's rights: qc_app gets what grant_app_role() gave
        -- the months the migration made, so every attached month reads alike.
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'qc_app') THEN
          EXECUTE format('GRANT SELECT, INSERT ON %I TO qc_app', name);
        END IF;
        RETURN true;
      END $$`);
      await q.query(`REVOKE EXECUTE ON FUNCTION query_log_add_month(date) FROM PUBLIC`);
      // Every month that has rows, and the current and next ones.
      await q.query(`
      SELECT query_log_add_month(m)
        FROM (SELECT DISTINCT date_trunc('month', asked_at AT TIME ZONE 'Asia/Shanghai')::date AS m FROM credit_queries_unpartitioned
              UNION SELECT date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai')::date
              UNION SELECT (date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai') + interval '1 month')::date) months
       ORDER BY m`);
    });
  }

  async down(q: QueryRunner): Promise<void> {
    await rebuild(q, 'credit_queries_partitioned', async () => {
      await q.query(`CREATE TABLE credit_queries (${COLUMNS}, PRIMARY KEY (id))`);
    });
    await q.query(`DROP FUNCTION query_log_add_month(date)`);
    await q.query(`DROP FUNCTION query_log_set_default_aside()`);
  }
}
