import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sharing with finance and tax: the log of every credit-status answer given to an institution,
 * each institution's watchlist of credit codes, and an index that lets the change feed find the
 * outbox events of recent transactions (which it holds back while older writers still run).
 */
export class Sharing1764340000000 implements MigrationInterface {
  name = 'Sharing1764340000000';

  async up(q: QueryRunner): Promise<void> {
    // Written at the rate of status queries (a batch adds a row per code answered), in group
    // commits. No foreign keys: each would cost a look-up per row, and the ids come from the
    // authenticated caller (institutions and keys are never deleted). Append-only.
    await q.query(`
      CREATE TABLE credit_queries (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        institution_id  uuid NOT NULL,
        api_key_id      uuid,
        user_id         uuid,
        purpose         text NOT NULL CHECK (purpose IN ('loan_application', 'loan_review', 'tax_assessment',
                          'tax_incentive', 'procurement', 'other')),
        uscc            varchar(18) COLLATE "C" NOT NULL,
        asked_at        timestamptz NOT NULL,
        as_of           timestamptz,
        CHECK ((api_key_id IS NULL) <> (user_id IS NULL))
      )`);
    await q.query(`CREATE INDEX ix_credit_queries_uscc ON credit_queries (uscc, asked_at DESC, id DESC)`);
    await q.query(`CREATE INDEX ix_credit_queries_institution ON credit_queries (institution_id, asked_at)`);
    await q.query(`
      CREATE TRIGGER credit_queries_append_only BEFORE UPDATE OR DELETE ON credit_queries
      FOR EACH ROW EXECUTE FUNCTION refuse_change('the query log is append-only')`);
    await q.query(`
      CREATE TRIGGER credit_queries_no_truncate BEFORE TRUNCATE ON credit_queries
      FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('the query log is append-only')`);

    // The codes an institution holds (its loan book, its taxpayers); a code need not be registered
    // yet. Up to a million rows per institution are written by one statement; a foreign key would
    // look the institution up once per row (a third of the time), and the id comes from the caller's key.
    await q.query(`
      CREATE TABLE watchlist_items (
        institution_id  uuid NOT NULL,
        uscc            varchar(18) COLLATE "C" NOT NULL CHECK (uscc ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
        added_at        timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (institution_id, uscc)
      )`);

    // The feed looks for the lowest event of a transaction newer than the oldest running one.
    await q.query(`CREATE INDEX ix_change_events_xid ON change_events (xid)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_change_events_xid`);
    await q.query(`DROP TABLE watchlist_items, credit_queries`);
  }
}
