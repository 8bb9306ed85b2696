import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bull';
import { DataSource } from 'typeorm';
import { Actor } from '../access/actor';
import { AuditService } from '../audit/audit.service';
import { Problem } from '../common/problem';
import { JobsLookup, publicFailedReason } from '../jobs/jobs-lookup';
import { JobName, QueueName } from '../jobs/queues';
import { JobDto, RuleSetDto } from './dto/rule-set.dto';
import { RecomputeAll } from './recompute-all';
import { ruleSetErrors } from './rule-set';

const COLUMNS = `version, status, document, created_at AS "createdAt", activated_at AS "activatedAt"`;

/**
 * Versions of the classification standard: an administrator drafts (validated, every error
 * with its path), a reviewer activates, which retires the previous version and starts a full
 * recompute. A version is never edited once activated.
 */
@Injectable()
export class RuleSetsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.Classification) private readonly queue: Queue,
    private readonly all: RecomputeAll,
    private readonly audit: AuditService,
    private readonly jobs: JobsLookup,
  ) {}

  list(): Promise<RuleSetDto[]> {
    return this.dataSource.query(`SELECT ${COLUMNS} FROM rule_sets ORDER BY version`);
  }

  async draft(document: Record<string, unknown>, actor: Actor): Promise<RuleSetDto> {
    const errors = ruleSetErrors(document);
    if (errors.length) throw Problem.validation(errors);
    return this.audit.change(actor, async (manager) => {
      // The lock makes two drafts at once take consecutive versions.
      await manager.query(`LOCK TABLE rule_sets IN SHARE ROW EXCLUSIVE MODE`);
      const [created] = await manager.query(
        `INSERT INTO rule_sets (version, status, document, created_by)
         SELECT coalesce(max(version), 0) + 1, 'draft', $1, $2 FROM rule_sets RETURNING ${COLUMNS}`,
        [JSON.stringify(document), actor.name],
      );
      return {
        result: created,
        entry: { action: 'rule-set.draft', entityType: 'rule-set', entityId: String(created.version), after: created },
      };
    });
  }

  async activate(version: number, actor: Actor): Promise<{ jobId: string }> {
    await this.audit.change(actor, async (manager) => {
      const [target] = await manager.query(`SELECT version, status FROM rule_sets WHERE version = $1 FOR UPDATE`, [
        version,
      ]);
      if (!target) throw Problem.notFound('Rule set', String(version));
      if (target.status !== 'draft')
        throw Problem.conflict('not-a-draft', `Rule set ${version} is ${target.status}; only a draft can be activated`);
      await manager.query(`UPDATE rule_sets SET status = 'retired' WHERE status = 'active'`);
      await manager.query(
        `UPDATE rule_sets SET status = 'active', activated_by = $2, activated_at = now() WHERE version = $1`,
        [version, actor.name],
      );
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
    const [target] = await this.dataSource.query(`SELECT status FROM rule_sets WHERE version = $1`, [version]);
    if (!target) throw Problem.notFound('Rule set', String(version));
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
      throw Problem.forbidden('Only whoever started a job and administrators see it');
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
