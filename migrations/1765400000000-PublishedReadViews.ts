import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read interfaces that modules publish over their own tables, for the few statements of another
 * module where one join over several modules' data is the measured fast path: the credit-status
 * lookup and the 10 000-code batch, the daily export files, the feed's and webhooks' watchlist
 * filter, a bulk import's checks and merge, a recompute's chunk (bench/recompute.ts), and the
 * public side's search, blacklist, open data and Atom feed (a name fragment or code prefix
 * filters entries joined to their enterprises, and paging runs over the join). Each view selects
 * from one table of its owner (records_in_force from the records' own view of them), with no
 * expression, so the planner inlines it and the consumer's plan is the one it had over the
 * tables (the same index scans). A consumer selects from these, never from the tables; the owner
 * keeps their columns.
 *
 * The outbox also publishes the end of its settled prefix, `outbox_horizon(after)`: the feed
 * shows only events that no running transaction can still get ahead of. A consumer sees a prefix
 * of the outbox that never changes below its last seq, though sequence numbers are drawn before
 * commit and a transaction may commit after one that drew a higher number.
 *
 * So, while a transaction that writes to the outbox is running, the horizon is the first event
 * (above `after`) written by a transaction that is not older than every transaction still running
 * (`xid >= pg_snapshot_xmin`); below it every event's transaction had finished when the snapshot
 * was taken, so no lower number can appear later. (Filtering row by row would not do: an old
 * transaction's event may sit above a recent one's.) The outbox lock (OutboxRepository) makes
 * writers commit in sequence order; this rule also holds back rows written around it.
 *
 * The snapshot's xmin is the whole server's: any open write transaction, in any database, holds
 * it back. Applied always, the rule stalled the feed and every webhook for as long as such a
 * transaction ran (a long import here, or another database's work on a shared server: a full
 * test run's webhook deliveries stopped for over a minute). So it applies only while a writer of
 * the outbox is running (a transaction holding a write lock on change_events other than this
 * one), the one case where a lower number can still appear. Outbox writers are short, so a long
 * transaction elsewhere delays the feed only at the moments one of them runs. (A writer around
 * the outbox lock that commits between the snapshot and the look at pg_locks goes unseen; writers
 * under the lock need no horizon at all.)
 *
 * The function is STABLE: it reads with the snapshot of the statement that calls it, so a page
 * and the horizon that bounds it come from the same snapshot. Without a writer running it returns
 * the largest bigint (no bound).
 */
export class PublishedReadViews1765400000000 implements MigrationInterface {
  name = 'PublishedReadViews1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE VIEW registry_enterprises AS
        SELECT id, uscc, name, district_code, updated_at, registered_on FROM enterprises`);
    await q.query(`COMMENT ON VIEW registry_enterprises IS
      'Published read interface of the registry module: enterprises by id and credit code, with their district, when the row last changed and when the enterprise was registered'`);

    await q.query(`CREATE VIEW registry_district_names AS SELECT code, name_zh, name_en FROM districts`);
    await q.query(`COMMENT ON VIEW registry_district_names IS
      'Published read interface of the registry module: the districts of Wenzhou and their names'`);

    await q.query(
      `CREATE VIEW identity_department_names AS SELECT code, name_zh, name_en, updated_at FROM departments`,
    );
    await q.query(`COMMENT ON VIEW identity_department_names IS
      'Published read interface of the identity module: the departments'' names, and when each last changed'`);

    await q.query(`
      CREATE VIEW classification_grades AS
        SELECT enterprise_id, grade, score, rule_set_version FROM classifications`);
    await q.query(`COMMENT ON VIEW classification_grades IS
      'Published read interface of the classification module: each enterprise''s current grade'`);

    await q.query(`
      CREATE VIEW classification_grade_history AS
        SELECT enterprise_id, grade, score, rule_set_version, valid_from, valid_to FROM classification_history`);
    await q.query(`COMMENT ON VIEW classification_grade_history IS
      'Published read interface of the classification module: the grade intervals [valid_from, valid_to) of each enterprise'`);

    await q.query(
      `CREATE VIEW records_credit_records AS SELECT id, enterprise_id, type, severity, occurred_on FROM credit_records`,
    );
    await q.query(`COMMENT ON VIEW records_credit_records IS
      'Published read interface of the records module: every record row, corrected and superseded ones included (ids grow with every change)'`);

    await q.query(`CREATE VIEW records_in_force AS
      SELECT id, enterprise_id, type, severity, occurred_on FROM credit_records_in_force`);
    await q.query(`COMMENT ON VIEW records_in_force IS
      'Published read interface of the records module: the records in force (neither withdrawn nor superseded)'`);

    await q.query(`
      CREATE VIEW blacklist_listings AS
        SELECT id, enterprise_id, status, district_code, reason_code, department_code, legal_basis, facts,
               published_at, expires_at, removed_at, removal_reason
          FROM blacklist_entries`);
    await q.query(`COMMENT ON VIEW blacklist_listings IS
      'Published read interface of the blacklist module: every entry''s state and what its publication says (only status published is public)'`);

    await q.query(`CREATE VIEW blacklist_reason_names AS SELECT code, name_zh, name_en FROM blacklist_reasons`);
    await q.query(`COMMENT ON VIEW blacklist_reason_names IS
      'Published read interface of the blacklist module: the reasons for a listing and their names'`);

    await q.query(`
      CREATE VIEW outbox_events AS
        SELECT seq, id, type, uscc, occurred_at, data FROM change_events`);
    await q.query(`COMMENT ON VIEW outbox_events IS
      'Published read interface of the outbox module: change events in seq order; a reader that must miss none (the feed, webhooks) reads below outbox_horizon()'`);

    await q.query(`
      CREATE FUNCTION outbox_horizon(after bigint) RETURNS bigint
      LANGUAGE sql STABLE AS $$
        SELECT coalesce(min(seq), 9223372036854775807) FROM change_events
         WHERE seq > after
           AND xid >= pg_snapshot_xmin(pg_current_snapshot())
           AND EXISTS (
                 SELECT 1 FROM pg_locks l
                  WHERE l.locktype = 'relation' AND l.mode = 'RowExclusiveLock'
                    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    AND l.relation = 'change_events'::regclass AND l.pid IS DISTINCT FROM pg_backend_pid())
      $$`);
    await q.query(`COMMENT ON FUNCTION outbox_horizon(bigint) IS
      'Published read interface of the outbox module: the first seq above $1 that a running outbox writer may still get ahead of (max bigint when none); events below it are settled'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION outbox_horizon(bigint)`);
    await q.query(
      `DROP VIEW outbox_events, blacklist_reason_names, blacklist_listings, records_in_force, records_credit_records,
                 classification_grade_history, classification_grades, identity_department_names,
                 registry_district_names, registry_enterprises`,
    );
  }
}
