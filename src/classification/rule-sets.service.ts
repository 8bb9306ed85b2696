import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { Actor } from '../access/actor';
import { AuditService } from '../audit/audit.service';
import { Problem } from '../common/problem';
import { JobsLookup, publicFailedReason } from '../jobs/jobs-lookup';
import { JobName, QueueName } from '../jobs/queues';
import { JobDto, RuleSetDto } from './dto/rule-set.dto';
import { RecomputeAll } from './recompute-all';
import { ruleSetErrors } from './rule-set';
import { RuleSetInForce, RuleSetsRepository, RuleSetVersion } from './rule-sets.repository';

/**
 * Versions of the classification standard: an administrator drafts (validated, every error
 * with its path), a reviewer activates, which retires the previous version and starts a full
 * recompute. A version is never edited once activated.
 */
@Injectable()
export class RuleSetsService {
  constructor(
    private readonly ruleSets: RuleSetsRepository,
    @InjectQueue(QueueName.Classification) private readonly queue: Queue,
    private readonly all: RecomputeAll,
    private readonly audit: AuditService,
    private readonly jobs: JobsLookup,
  ) {}

  list(): Promise<RuleSetDto[]> {
    return this.ruleSets.list();
  }

  /** The standard in force and since when, as the public guide tells it. */
  async inForce(): Promise<RuleSetInForce> {
    const active = await this.ruleSets.active();
    // The first migration activates version 1, and activating another retires the one before.
    if (!active) throw new Error('No active rule set: the migrations activate version 1');
    return active;
  }

  /** Every version, newest first, with who drafted and activated it (the console's list). */
  history(): Promise<RuleSetVersion[]> {
    return this.ruleSets.history();
  }

  async draft(document: Record<string, unknown>, actor: Actor): Promise<RuleSetDto> {
    const errors = ruleSetErrors(document);
    if (errors.length) throw Problem.validation(errors);
    return this.audit.change(actor, async (manager) => {
      const created = await this.ruleSets.insertDraft(manager, document, actor.name);
      return {
        result: created,
        entry: { action: 'rule-set.draft', entityType: 'rule-set', entityId: String(created.version), after: created },
      };
    });
  }

  async activate(version: number, actor: Actor): Promise<{ jobId: string }> {
    await this.audit.change(actor, async (manager) => {
      const status = await this.ruleSets.lockStatus(manager, version);
      if (!status) throw Problem.notFound('Rule set', String(version));
      if (status !== 'draft')
        throw Problem.conflict('not-a-draft', {
          en: `Rule set ${version} is ${status}; only a draft can be activated`,
          zh: `分类标准 ${version} 的状态为 ${status}，只有草稿可以启用`,
        });
      await this.ruleSets.activate(manager, version, actor.name);
      return {
        result: null,
        entry: {
          action: 'rule-set.activate',
          entityType: 'rule-set',
          entityId: String(version),
          after: { version, status: 'active' },
        },
      };
    });
    return this.recomputeAll(`activation of rule set ${version}`, actor);
  }

  async dryRun(version: number, actor: Actor): Promise<{ jobId: string }> {
    if (!(await this.ruleSets.status(version))) throw Problem.notFound('Rule set', String(version));
    const job = await this.queue.add(JobName.DryRun, { version, startedBy: actor.id }, { attempts: 2 });
    return { jobId: String(job.id) };
  }

  async recomputeAll(reason: string, actor: Actor): Promise<{ jobId: string }> {
    return { jobId: await this.all.start({ reason, startedBy: actor.id }) };
  }

  /**
   * A job an API call started, for the one who started it or an administrator: a dry run or a
   * recompute, or an export re-run (JobsLookup knows each one's queue by its id).
   */
  async job(id: string, viewer: { id: string; admin: boolean }): Promise<JobDto> {
    const queue = this.jobs.queueOf(id);
    const found = await queue.getJob(id);
    if (!found) throw Problem.notFound('Job', id);
    const startedBy = (found.data as { startedBy?: string }).startedBy;
    if (!viewer.admin && startedBy !== viewer.id)
      throw Problem.forbidden({
        en: 'Only whoever started a job and administrators see it',
        zh: '只有任务的发起人和管理员可以查看',
      });
    // A job may finish between reading its fields and its state: a finished one is read again,
    // so that "completed" never comes without its result (nor "failed" without its reason).
    const state = await found.getState();
    const job = state === 'completed' || state === 'failed' ? ((await queue.getJob(id)) ?? found) : found;
    return {
      id: String(job.id),
      name: job.name,
      state,
      progress: Number(job.progress()) || 0,
      ...(job.returnvalue !== undefined && job.returnvalue !== null ? { result: job.returnvalue } : {}),
      ...(job.failedReason ? { failedReason: publicFailedReason(job.failedReason, String(job.id)) } : {}),
    };
  }
}
