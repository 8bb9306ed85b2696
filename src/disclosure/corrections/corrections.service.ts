import { Injectable } from '@nestjs/common';
import { Actor } from '../../access/actor';
import { AuditService } from '../../audit/audit.service';
import { Clock } from '../../common/clock';
import { Problem } from '../../common/problem';
import { CorrectionsRepository } from './corrections.repository';
import { AnswerCorrectionDto, CorrectionRequest, CorrectionStatus, CreateCorrectionDto } from './dto/correction.dto';

export const CORRECTIONS_PAGE_SIZE = 20;

/**
 * 信息纠错: anyone may report an error in what the site publishes; regulators, reviewers and
 * administrators answer, each answer an audit entry. The request itself holds no account: it is
 * the public's, and the person's contact (if given) is shown to staff only.
 */
@Injectable()
export class CorrectionsService {
  constructor(
    private readonly requests: CorrectionsRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  file(dto: CreateCorrectionDto): Promise<CorrectionRequest> {
    return this.requests.insert(dto, this.clock.now());
  }

  list(status: CorrectionStatus | null, page: number) {
    return this.requests.list(status, page, CORRECTIONS_PAGE_SIZE);
  }

  async find(id: string): Promise<CorrectionRequest> {
    const found = /^\d{1,18}$/.test(id) ? await this.requests.find(id) : null;
    if (!found) throw Problem.notFound('Correction request', id);
    return found;
  }

  openCount(): Promise<number> {
    return this.requests.openCount();
  }

  /** Accepts or rejects an open request with an answer; one answered already is a 409. */
  async answer(id: string, dto: AnswerCorrectionDto, actor: Actor): Promise<CorrectionRequest> {
    await this.find(id);
    const at = this.clock.now();
    return this.audit.change(actor, async (manager) => {
      const before = await this.requests.lockOpen(manager, id);
      if (!before) {
        throw Problem.conflict('correction-answered', {
          en: 'This correction request has already been answered',
          zh: '该纠错申请已经处理过',
        });
      }
      await this.requests.answer(manager, id, dto.outcome, dto.answer, actor.name, at);
      const after = (await this.requests.find(id, manager))!;
      return {
        result: after,
        entry: {
          action: `correction.${dto.outcome}`,
          entityType: 'correction_request',
          entityId: id,
          before: { status: before.status },
          after: { status: after.status, answer: after.answer },
        },
      };
    });
  }
}
