import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { keyedAuditedTable } from '../audit/audited-table';
import type { AllowListEntryDto } from './dto/allowlist.dto';
import { UsccAllowListEntry } from './uscc-allowlist.entity';

export function toAllowListDto({ uscc, reason, createdBy, createdAt }: UsccAllowListEntry): AllowListEntryDto {
  return { uscc, reason, createdBy, createdAt };
}

/** The allowed legacy credit codes (entries are added, never changed). */
@Injectable()
export class UsccAllowListRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async has(uscc: string): Promise<boolean> {
    return (await this.db.query(`SELECT 1 FROM uscc_allowlist WHERE uscc = $1`, [uscc])).length > 0;
  }

  /** Which of these codes are allowed, in one query. */
  async among(usccs: string[]): Promise<Set<string>> {
    const rows: { uscc: string }[] = await this.db.query(
      `SELECT uscc FROM uscc_allowlist WHERE uscc = ANY($1::text[])`,
      [usccs],
    );
    return new Set(rows.map((r) => r.uscc));
  }

  /** Inserts, never overwrites: a code allowed already fails on the unique key. */
  async insert(
    manager: EntityManager,
    entry: Pick<UsccAllowListEntry, 'uscc' | 'reason' | 'createdBy'>,
  ): Promise<void> {
    await manager.insert(UsccAllowListEntry, entry);
  }

  get(manager: EntityManager, uscc: string): Promise<UsccAllowListEntry> {
    return manager.findOneByOrFail(UsccAllowListEntry, { uscc });
  }

  list(): Promise<UsccAllowListEntry[]> {
    return this.db.getRepository(UsccAllowListEntry).find({ order: { createdAt: 'ASC' } });
  }
}

/** uscc_allowlist as its `uscc-allowlist.add` entries describe it (entries are never changed). */
export const auditedAllowList = keyedAuditedTable('uscc_allowlist', 'uscc-allowlist', {
  async keys(manager) {
    const rows: { uscc: string }[] = await manager.query(`SELECT uscc FROM uscc_allowlist`);
    return rows.map((r) => r.uscc);
  },
  async asWritten(manager, usccs) {
    const rows: UsccAllowListEntry[] = await manager.query(
      `SELECT uscc, reason, created_by AS "createdBy", created_at AS "createdAt"
         FROM uscc_allowlist WHERE uscc = ANY($1::text[])`,
      [usccs],
    );
    return new Map(rows.map((r) => [r.uscc, toAllowListDto(r)]));
  },
});
