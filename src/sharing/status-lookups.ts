import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { GroupCommit } from '../common/group-commit';
import { CreditQueriesRepository, StatusQuestion } from './credit-queries.repository';
import { CreditStatusDto } from './dto/credit-status.dto';

/**
 * Credit-status lookups with their query log. Concurrent questions are grouped (group commit):
 * under load one statement looks up and logs many questions, one commit for all of them.
 */
@Injectable()
export class StatusLookups implements BeforeApplicationShutdown {
  private readonly groups = new GroupCommit((questions: StatusQuestion[]) => this.statuses.answer(questions));

  constructor(private readonly statuses: CreditQueriesRepository) {}

  /** The statuses of the question's codes that name an enterprise, in its order, once logged. */
  ask(question: StatusQuestion): Promise<CreditStatusDto[]> {
    return this.groups.submit(question);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.groups.idle();
  }
}
