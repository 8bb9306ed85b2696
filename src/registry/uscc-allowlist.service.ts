import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Actor } from '../access/actor';
import { AuditService } from '../audit/audit.service';
import { mapConstraintErrors } from '../common/pg-errors';
import { Problem } from '../common/problem';
import { checkUscc } from '../common/uscc';
import { AllowListEntryDto, CreateAllowListEntryDto } from './dto/allowlist.dto';
import { UsccAllowListEntry } from './uscc-allowlist.entity';

export function toAllowListDto({ uscc, reason, createdBy, createdAt }: UsccAllowListEntry): AllowListEntryDto {
  return { uscc, reason, createdBy, createdAt };
}

/**
 * Legacy codes: some early credit codes legitimately fail a check character. An admin allows
 * one with a reason (audited); from then on the registry accepts it. Only codes that fail a
 * checksum can be allowed; a wrong length or alphabet is never a genuine code.
 */
@Injectable()
export class UsccAllowListService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** Asked only when a code fails a checksum, so the common case costs nothing. */
  async isAllowed(uscc: string): Promise<boolean> {
    return (await this.dataSource.query(`SELECT 1 FROM uscc_allowlist WHERE uscc = $1`, [uscc])).length > 0;
  }

  /** Which of these codes are allowed, in one query (for lists of codes). */
  async allowedAmong(usccs: string[]): Promise<Set<string>> {
    const rows: { uscc: string }[] = await this.dataSource.query(
      `SELECT uscc FROM uscc_allowlist WHERE uscc = ANY($1::text[])`,
      [usccs],
    );
    return new Set(rows.map((r) => r.uscc));
  }

  async add(dto: CreateAllowListEntryDto, actor: Actor): Promise<AllowListEntryDto> {
    const check = checkUscc(dto.uscc);
    if (check.valid) {
      throw Problem.validation([
        { field: 'uscc', message: 'passes both checks already; only failing legacy codes need allowing' },
      ]);
    }
    const added = this.audit.change(actor, async (manager) => {
      // insert, not save: save would overwrite an existing entry instead of failing.
      await manager.insert(UsccAllowListEntry, {
        uscc: check.uscc,
        reason: dto.reason,
        createdBy: actor.type === 'user' ? actor.id : null,
      });
      const after = toAllowListDto(await manager.findOneByOrFail(UsccAllowListEntry, { uscc: check.uscc }));
      return {
        result: after,
        entry: { action: 'uscc-allowlist.add', entityType: 'uscc-allowlist', entityId: after.uscc, after },
      };
    });
    return mapConstraintErrors(added, {
      unique: () => Problem.conflict('duplicate-allowlist-entry', `${check.uscc} is already allowed`),
    });
  }

  async list(): Promise<AllowListEntryDto[]> {
    return (await this.dataSource.getRepository(UsccAllowListEntry).find({ order: { createdAt: 'ASC' } })).map(
      toAllowListDto,
    );
  }
}
