import { MigrationInterface, QueryRunner } from 'typeorm';

/** The reasons for listing, as API.md names them (SAMR 严重违法失信名单管理办法, product quality). */
const REASONS: [string, string, string][] = [
  ['counterfeit_products', '制假售假', 'Making or selling counterfeit products'],
  ['substandard_products', '生产销售不合格产品', 'Making or selling substandard products'],
  ['recall_refused', '拒不召回缺陷产品', 'Refusing to recall defective products'],
  ['repeated_spot_check_failure', '监督抽查多次不合格', 'Repeatedly failing supervisory spot checks'],
  ['falsified_inspection', '伪造检验报告', 'Falsifying inspection reports'],
  ['major_quality_incident', '重大质量安全事故', 'Major quality and safety incident'],
  ['other_serious_violation', '其他严重违法失信行为', 'Other serious violation'],
];

/**
 * 2026 as the State Council set it (国务院办公厅关于2026年部分节假日安排的通知, 4 Nov 2025): weekday holidays, and the
 * weekend days worked in exchange (调休). Holidays that fall on a weekend need no row.
 */
const CALENDAR_2026: [string, boolean, string][] = [
  ['2026-01-01', false, '元旦 New Year'],
  ['2026-01-02', false, '元旦 New Year'],
  ['2026-01-04', true, '元旦调休 New Year exchange'],
  ['2026-02-14', true, '春节调休 Spring Festival exchange'],
  ['2026-02-16', false, '春节 Spring Festival'],
  ['2026-02-17', false, '春节 Spring Festival'],
  ['2026-02-18', false, '春节 Spring Festival'],
  ['2026-02-19', false, '春节 Spring Festival'],
  ['2026-02-20', false, '春节 Spring Festival'],
  ['2026-02-23', false, '春节 Spring Festival'],
  ['2026-02-28', true, '春节调休 Spring Festival exchange'],
  ['2026-04-06', false, '清明节 Qingming'],
  ['2026-05-01', false, '劳动节 Labour Day'],
  ['2026-05-04', false, '劳动节 Labour Day'],
  ['2026-05-05', false, '劳动节 Labour Day'],
  ['2026-05-09', true, '劳动节调休 Labour Day exchange'],
  ['2026-06-19', false, '端午节 Dragon Boat Festival'],
  ['2026-09-20', true, '国庆节调休 National Day exchange'],
  ['2026-09-25', false, '中秋节 Mid-Autumn Festival'],
  ['2026-10-01', false, '国庆节 National Day'],
  ['2026-10-02', false, '国庆节 National Day'],
  ['2026-10-05', false, '国庆节 National Day'],
  ['2026-10-06', false, '国庆节 National Day'],
  ['2026-10-07', false, '国庆节 National Day'],
  ['2026-10-10', true, '国庆节调休 National Day exchange'],
];

/**
 * The product-quality blacklist: the reason catalogue, entries with their due-process state,
 * the append-only trail of every move, objections and repair applications; and the calendar
 * of days that differ from the weekend rule, from which objection deadlines are counted.
 */
export class Blacklist1764330000000 implements MigrationInterface {
  name = 'Blacklist1764330000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE calendar_days (
        day         date PRIMARY KEY,
        working     boolean NOT NULL,
        name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        CHECK (working = (extract(isodow FROM day) >= 6))
      )`);
    await q.query(
      `INSERT INTO calendar_days (day, working, name)
       SELECT * FROM unnest($1::date[], $2::boolean[], $3::text[])`,
      [CALENDAR_2026.map((d) => d[0]), CALENDAR_2026.map((d) => d[1]), CALENDAR_2026.map((d) => d[2])],
    );

    await q.query(`
      CREATE TABLE blacklist_reasons (
        code     text PRIMARY KEY CHECK (code ~ '^[a-z_]{1,40}$'),
        name_zh  text NOT NULL,
        name_en  text NOT NULL
      )`);
    await q.query(
      `INSERT INTO blacklist_reasons (code, name_zh, name_en)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`,
      [REASONS.map((r) => r[0]), REASONS.map((r) => r[1]), REASONS.map((r) => r[2])],
    );

    await q.query(`
      CREATE TABLE blacklist_entries (
        id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        enterprise_id         bigint NOT NULL REFERENCES enterprises (id),
        district_code         varchar(6) NOT NULL REFERENCES districts (code),
        reason_code           text NOT NULL REFERENCES blacklist_reasons (code),
        legal_basis           text NOT NULL,
        facts                 text NOT NULL,
        period_months         smallint NOT NULL CHECK (period_months BETWEEN 1 AND 120),
        status                text NOT NULL CHECK (status IN ('proposed', 'noticed', 'approved', 'rejected',
                                'published', 'removed', 'withdrawn')),
        department_code       varchar(16) NOT NULL REFERENCES departments (code),
        proposed_by           uuid NOT NULL REFERENCES users (id),
        proposed_at           timestamptz NOT NULL,
        noticed_at            timestamptz,
        objection_deadline    timestamptz,
        decided_by            uuid REFERENCES users (id),
        decided_at            timestamptz,
        published_at          timestamptz,
        earliest_repair_date  date,
        expires_at            timestamptz,
        removed_at            timestamptz,
        removal_reason        text CHECK (removal_reason IN ('expired', 'repaired', 'revoked')),
        CHECK ((status = 'removed') = (removal_reason IS NOT NULL AND removed_at IS NOT NULL)),
        CHECK (status IN ('proposed', 'withdrawn') OR objection_deadline IS NOT NULL),
        CHECK (status NOT IN ('published', 'removed')
               OR (published_at IS NOT NULL AND expires_at IS NOT NULL AND earliest_repair_date IS NOT NULL)),
        CHECK (decided_by IS NULL OR decided_by <> proposed_by)
      )`);
    // The classifier reads the published entries of the enterprises it grades.
    await q.query(
      `CREATE INDEX ix_blacklist_entries_published ON blacklist_entries (enterprise_id) WHERE status = 'published'`,
    );
    await q.query(`CREATE INDEX ix_blacklist_entries_enterprise ON blacklist_entries (enterprise_id, id)`);
    await q.query(`CREATE INDEX ix_blacklist_entries_status ON blacklist_entries (status, district_code, id)`);
    await q.query(
      `CREATE INDEX ix_blacklist_entries_expiry ON blacklist_entries (expires_at) WHERE status = 'published'`,
    );

    await q.query(`
      CREATE TABLE blacklist_objections (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        entry_id    bigint NOT NULL REFERENCES blacklist_entries (id),
        statement   text NOT NULL,
        filed_by    text NOT NULL,
        filed_role  text NOT NULL CHECK (filed_role IN ('enterprise', 'regulator')),
        filed_at    timestamptz NOT NULL,
        outcome     text CHECK (outcome IN ('upheld', 'dismissed')),
        note        text,
        decided_by  text,
        decided_at  timestamptz,
        CHECK ((outcome IS NULL) = (decided_at IS NULL))
      )`);
    await q.query(`CREATE INDEX ix_blacklist_objections_entry ON blacklist_objections (entry_id)`);

    await q.query(`
      CREATE TABLE blacklist_repair_applications (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        entry_id    bigint NOT NULL REFERENCES blacklist_entries (id),
        statement   text NOT NULL,
        evidence    text,
        filed_by    text NOT NULL,
        filed_role  text NOT NULL CHECK (filed_role IN ('enterprise', 'regulator')),
        filed_at    timestamptz NOT NULL,
        outcome     text CHECK (outcome IN ('granted', 'refused')),
        note        text,
        decided_by  text,
        decided_at  timestamptz,
        CHECK ((outcome IS NULL) = (decided_at IS NULL))
      )`);
    // One application at a time awaits a decision.
    await q.query(
      `CREATE UNIQUE INDEX uq_blacklist_repair_pending ON blacklist_repair_applications (entry_id) WHERE outcome IS NULL`,
    );

    // Every move, in order: who (and in which role), when, why, and the document it rests on.
    await q.query(`
      CREATE TABLE blacklist_transitions (
        id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        entry_id               bigint NOT NULL REFERENCES blacklist_entries (id),
        action                 text NOT NULL,
        from_status            text,
        to_status              text NOT NULL,
        outcome                text,
        actor_type             text NOT NULL CHECK (actor_type IN ('user', 'key', 'system')),
        actor_id               text,
        actor_name             text,
        actor_role             text NOT NULL CHECK (actor_role IN ('regulator', 'reviewer', 'enterprise', 'system')),
        occurred_at            timestamptz NOT NULL,
        note                   text,
        document_ref           text,
        objection_id           bigint REFERENCES blacklist_objections (id),
        repair_application_id  bigint REFERENCES blacklist_repair_applications (id)
      )`);
    await q.query(`CREATE INDEX ix_blacklist_transitions_entry ON blacklist_transitions (entry_id, id)`);
    await q.query(`
      CREATE TRIGGER blacklist_transitions_append_only BEFORE UPDATE OR DELETE ON blacklist_transitions
      FOR EACH ROW EXECUTE FUNCTION refuse_change()`);
    await q.query(`
      CREATE TRIGGER blacklist_transitions_no_truncate BEFORE TRUNCATE ON blacklist_transitions
      FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP TABLE blacklist_transitions, blacklist_repair_applications, blacklist_objections, blacklist_entries,
                  blacklist_reasons, calendar_days`,
    );
  }
}
