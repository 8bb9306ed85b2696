import { Injectable } from '@nestjs/common';
import { Actor } from '../access/actor';
import { AuditService } from '../audit/audit.service';
import { mapConstraintErrors } from '../common/pg-errors';
import { Problem } from '../common/problem';
import { checkUscc } from '../common/uscc';
import { AllowListEntryDto, CreateAllowListEntryDto } from './dto/allowlist.dto';
import { toAllowListDto, UsccAllowListRepository } from './uscc-allowlist.repository';

/**
 * Legacy codes: some early credit codes legitimately fail a check character. An admin allows
 * one with a reason (audited); from then on the registry accepts it. Only codes that fail a
 * checksum can be allowed; a wrong length or alphabet is never a genuine code.
 */
@Injectable()
export class UsccAllowListService {
  constructor(
    private readonly repository: UsccAllowListRepository,
    private readonly audit: AuditService,
  ) {}

  /** Asked only when a code fails a checksum, so the common case costs nothing. */
  isAllowed(uscc: string): Promise<boolean> {
    return this.repository.has(uscc);
  }

  /** Which of these codes are allowed, in one query (for lists of codes). */
  allowedAmong(usccs: string[]): Promise<Set<string>> {
    return this.repository.among(usccs);
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
      await this.repository.insert(manager, {
        uscc: check.uscc,
        reason: dto.reason,
        createdBy: actor.type === 'user' ? actor.id : null,
      });
      const after = toAllowListDto(await this.repository.get(manager, check.uscc));
      return {
        result: after,
        entry: { action: 'uscc-allowlist.add', entityType: 'uscc-allowlist', entityId: after.uscc, after },
      };
    });
    return mapConstraintErrors(added, {
      unique: () =>
        Problem.conflict('duplicate-allowlist-entry', {
          en: `${check.uscc} is already allowed`,
          zh: `${check.uscc} 已在允许名单中`,
        }),
    });
  }

  async list(): Promise<AllowListEntryDto[]> {
    return (await this.repository.list()).map(toAllowListDto);
  }
}
