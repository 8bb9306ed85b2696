import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Quality-credit records (append-only; a correction is a new row that supersedes the old),
 * the complaint hotlines they may cite, and the outbox of change events for partners.
 */
export class CreditRecords1764300000000 implements MigrationInterface {
  name = 'CreditRecords1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE hotlines (
        number          varchar(5) PRIMARY KEY,
        name_zh         text NOT NULL,
        name_en         text NOT NULL,
        handled_by      varchar(16) NOT NULL REFERENCES departments (code)
      )`);
    await q.query(`
      INSERT INTO hotlines (number, name_zh, name_en, handled_by) VALUES
        ('12315', '消费者投诉举报专线', 'consumer complaints', 'AMR'),
        ('12365', '质量技术监督投诉举报专线', 'product quality complaints', 'QTS'),
        ('12369', '环保举报热线', 'environmental complaints', 'EPB'),
        ('12312', '商务举报投诉热线', 'commerce complaints', 'AMR')`);

    await q.query(`
      CREATE TABLE credit_records (
        id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        enterprise_id     bigint NOT NULL REFERENCES enterprises (id),
        type              text NOT NULL CHECK (type IN ('spot_check_pass', 'spot_check_fail', 'administrative_penalty',
                            'complaint_substantiated', 'product_recall', 'major_quality_incident', 'license_revoked',
                            'quality_award', 'certification', 'famous_brand')),
        severity          text CHECK (severity IN ('minor', 'general', 'serious', 'critical')),
        occurred_on       date NOT NULL,
        document_no       text COLLATE "C" NOT NULL CHECK (length(document_no) BETWEEN 1 AND 100),
        summary           text NOT NULL CHECK (length(summary) BETWEEN 1 AND 2000),
        hotline           varchar(5) REFERENCES hotlines (number),
        handled_by        varchar(16) REFERENCES departments (code),
        disclosed         boolean NOT NULL,
        department_code   varchar(16) NOT NULL REFERENCES departments (code),
        supersedes_id     bigint REFERENCES credit_records (id),
        correction        text CHECK (correction IN ('withdraw', 'amend')),
        correction_reason text CHECK (length(correction_reason) BETWEEN 1 AND 2000),
        created_by        text,
        created_at        timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ck_credit_records_hotline CHECK ((type = 'complaint_substantiated') = (hotline IS NOT NULL)),
        CONSTRAINT ck_credit_records_correction CHECK (
          (supersedes_id IS NULL AND correction IS NULL AND correction_reason IS NULL)
          OR (supersedes_id IS NOT NULL AND correction IS NOT NULL AND correction_reason IS NOT NULL))
      )`);
    // A document number is unique per department among original records (a re-sent request
    // or a re-imported file never makes a twin); corrections repeat the number they correct.
    await q.query(`
      CREATE UNIQUE INDEX uq_credit_records_document ON credit_records (department_code, document_no)
      WHERE supersedes_id IS NULL`);
    // A record is corrected at most once: corrections form a chain, never a tree.
    await q.query(`
      CREATE UNIQUE INDEX uq_credit_records_supersedes ON credit_records (supersedes_id) WHERE supersedes_id IS NOT NULL`);
    await q.query(`CREATE INDEX ix_credit_records_enterprise ON credit_records (enterprise_id, occurred_on DESC)`);

    await q.query(`
      CREATE TRIGGER credit_records_append_only BEFORE UPDATE OR DELETE ON credit_records
      FOR EACH ROW EXECUTE FUNCTION refuse_change('write a correction instead')`);
    await q.query(`
      CREATE TRIGGER credit_records_no_truncate BEFORE TRUNCATE ON credit_records
      FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('write a correction instead')`);

    // The outbox: every change partners care about, written in the transaction of the change.
    // `xid` is the writing transaction, so a reader can hold back events of transactions that
    // are still running (sequence numbers are taken before commit, so commits may come out of order).
    await q.query(`
      CREATE TABLE change_events (
        seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id           uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
        type         text NOT NULL CHECK (type IN ('classification.changed', 'blacklist.published',
                       'blacklist.removed', 'record.retracted')),
        uscc         varchar(18) COLLATE "C" NOT NULL,
        occurred_at  timestamptz NOT NULL DEFAULT now(),
        data         jsonb NOT NULL DEFAULT '{}',
        xid          xid8 NOT NULL DEFAULT pg_current_xact_id()
      )`);
    await q.query(`CREATE INDEX ix_change_events_uscc ON change_events (uscc, seq)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE change_events, credit_records, hotlines`);
  }
}
