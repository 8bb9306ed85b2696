import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { RuleSetDto } from './dto/rule-set.dto';
import { RuleSetDocument } from './rule-set';

const COLUMNS = `version, status, document, created_at AS "createdAt", activated_at AS "activatedAt"`;

/** A version of the standard as the classifier applies it. */
export interface VersionedRuleSet {
  version: number;
  document: RuleSetDocument;
}

/** The version in force, with when it was activated (null for one seeded active). */
export interface RuleSetInForce extends VersionedRuleSet {
  activatedAt: Date | null;
}

/** A version as the console lists it: who drafted it and who activated it, by user name. */
export interface RuleSetVersion extends RuleSetDto {
  createdBy: string | null;
  activatedBy: string | null;
}

/** The versions of the classification standard (`rule_sets`): drafts, the one active, those retired. */
@Injectable()
export class RuleSetsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  list(): Promise<RuleSetDto[]> {
    return this.db.query(`SELECT ${COLUMNS} FROM rule_sets ORDER BY version`);
  }

  /** Every version with who drafted and who activated it, newest first. */
  history(): Promise<RuleSetVersion[]> {
    return this.db.query(
      `SELECT ${COLUMNS}, created_by AS "createdBy", activated_by AS "activatedBy" FROM rule_sets ORDER BY version DESC`,
    );
  }

  /** The active version and when it came into force (the public guide states both); null only in a database not seeded with one. */
  async active(manager: EntityManager = this.db.manager): Promise<RuleSetInForce | null> {
    const [row] = await manager.query(
      `SELECT version, document, activated_at AS "activatedAt" FROM rule_sets WHERE status = 'active'`,
    );
    return row ?? null;
  }

  async byVersion(version: number): Promise<VersionedRuleSet | null> {
    const [row] = await this.db.query(`SELECT version, document FROM rule_sets WHERE version = $1`, [version]);
    return row ?? null;
  }

  async status(version: number): Promise<RuleSetDto['status'] | null> {
    const [row] = await this.db.query(`SELECT status FROM rule_sets WHERE version = $1`, [version]);
    return row?.status ?? null;
  }

  /** A new draft under the next version; the lock makes two drafts at once take consecutive versions. */
  async insertDraft(
    manager: EntityManager,
    document: Record<string, unknown>,
    createdBy: string | null,
  ): Promise<RuleSetDto> {
    await manager.query(`LOCK TABLE rule_sets IN SHARE ROW EXCLUSIVE MODE`);
    const [created] = await manager.query(
      `INSERT INTO rule_sets (version, status, document, created_by)
       SELECT coalesce(max(version), 0) + 1, 'draft', $1, $2 FROM rule_sets RETURNING ${COLUMNS}`,
      [JSON.stringify(document), createdBy],
    );
    return created;
  }

  /** The status of `version`, its row locked until the caller's transaction ends; null if there is none. */
  async lockStatus(manager: EntityManager, version: number): Promise<RuleSetDto['status'] | null> {
    const [row] = await manager.query(`SELECT version, status FROM rule_sets WHERE version = $1 FOR UPDATE`, [version]);
    return row?.status ?? null;
  }

  /** Makes `version` the active one and retires the one that was. */
  async activate(manager: EntityManager, version: number, activatedBy: string | null): Promise<void> {
    await manager.query(`UPDATE rule_sets SET status = 'retired' WHERE status = 'active'`);
    await manager.query(
      `UPDATE rule_sets SET status = 'active', activated_by = $2, activated_at = now() WHERE version = $1`,
      [version, activatedBy],
    );
  }
}
