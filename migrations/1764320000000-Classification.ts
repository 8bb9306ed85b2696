import { MigrationInterface, QueryRunner } from 'typeorm';

/** The classification standard's first version (as config/rule-sets/v1.json), current grades and their history. */
export const RULE_SET_V1 = {
  name: '温州市企业质量信用分类评价标准（第1版） · Wenzhou enterprise quality-credit classification standard, version 1',
  baseScore: 80,
  records: {
    spot_check_pass: {
      points: {
        default: 2,
      },
      windowMonths: 24,
      cap: 10,
    },
    spot_check_fail: {
      points: {
        minor: -4,
        general: -8,
        serious: -15,
        critical: -25,
        default: -8,
      },
      windowMonths: 36,
    },
    administrative_penalty: {
      points: {
        minor: -5,
        general: -10,
        serious: -20,
        critical: -30,
        default: -10,
      },
      windowMonths: 36,
    },
    complaint_substantiated: {
      points: {
        default: -3,
      },
      windowMonths: 24,
      cap: 15,
    },
    product_recall: {
      points: {
        default: -8,
      },
      windowMonths: 36,
    },
    major_quality_incident: {
      points: {
        default: -30,
      },
      windowMonths: 60,
    },
    license_revoked: {
      points: {
        default: -50,
      },
      windowMonths: 60,
    },
    quality_award: {
      points: {
        default: 8,
      },
      windowMonths: 36,
      cap: 16,
    },
    certification: {
      points: {
        default: 3,
      },
      windowMonths: 36,
      cap: 9,
    },
    famous_brand: {
      points: {
        default: 5,
      },
      windowMonths: 36,
      cap: 10,
    },
  },
  decay: {
    fullWeightMonths: 12,
    laterWeight: 0.5,
  },
  thresholds: {
    A: 90,
    B: 75,
    C: 60,
  },
  hardRules: [
    {
      code: 'blacklisted',
      description: 'On the published product-quality blacklist',
      when: {
        blacklistPublished: true,
      },
      grade: 'D',
    },
    {
      code: 'license_revoked',
      description: 'Licence revoked within the last 36 months',
      when: {
        recordType: 'license_revoked',
        withinMonths: 36,
      },
      grade: 'D',
    },
    {
      code: 'major_quality_incident',
      description: 'Major quality incident within the last 12 months: at best C',
      when: {
        recordType: 'major_quality_incident',
        withinMonths: 12,
      },
      atBest: 'C',
    },
  ],
};

export class Classification1764320000000 implements MigrationInterface {
  name = 'Classification1764320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rule_sets (
        version       integer PRIMARY KEY,
        status        text NOT NULL CHECK (status IN ('draft', 'active', 'retired')),
        document      jsonb NOT NULL,
        created_by    text,
        created_at    timestamptz NOT NULL DEFAULT now(),
        activated_by  text,
        activated_at  timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_rule_sets_active ON rule_sets ((true)) WHERE status = 'active'`);
    await q.query(
      `INSERT INTO rule_sets (version, status, document, created_by, activated_by, activated_at)
       VALUES (1, 'active', $1, 'migration', 'migration', now())`,
      [JSON.stringify(RULE_SET_V1)],
    );

    // The current grade of each enterprise, and every grade it had, with its validity interval.
    await q.query(`
      CREATE TABLE classifications (
        enterprise_id     bigint PRIMARY KEY REFERENCES enterprises (id),
        grade             char(1) NOT NULL CHECK (grade IN ('A', 'B', 'C', 'D')),
        score             numeric(8, 2) NOT NULL,
        rule_set_version  integer NOT NULL REFERENCES rule_sets (version),
        factors           jsonb NOT NULL,
        computed_at       timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX ix_classifications_grade ON classifications (grade)`);
    await q.query(`
      CREATE TABLE classification_history (
        id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        enterprise_id     bigint NOT NULL REFERENCES enterprises (id),
        grade             char(1) NOT NULL CHECK (grade IN ('A', 'B', 'C', 'D')),
        score             numeric(8, 2) NOT NULL,
        rule_set_version  integer NOT NULL REFERENCES rule_sets (version),
        factors           jsonb NOT NULL,
        valid_from        timestamptz NOT NULL,
        valid_to          timestamptz,
        CHECK (valid_to IS NULL OR valid_to > valid_from)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX uq_classification_history_open ON classification_history (enterprise_id) WHERE valid_to IS NULL`,
    );
    await q.query(
      `CREATE INDEX ix_classification_history_enterprise ON classification_history (enterprise_id, valid_from)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE classification_history, classifications, rule_sets`);
  }
}
