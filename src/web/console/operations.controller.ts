import { Get, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../../access/access.decorator';
import { Caller, CurrentCaller } from '../../access/caller';
import { JobDto } from '../../classification/dto/rule-set.dto';
import { RuleSetsService } from '../../classification/rule-sets.service';
import { AcceptsForm } from '../../common/body-limit';
import { addDays } from '../../common/calendar-days';
import { Clock } from '../../common/clock';
import { Problem } from '../../common/problem';
import { ReportKeysService } from '../../disclosure/reports/report-keys.service';
import { EXPORT_DAY_PROBLEMS, ExportsService } from '../../sharing/exports/exports.service';
import { EXPORT_JOB_PREFIX } from '../../jobs/jobs-lookup';
import { fromHtmx, JOB_ID, langOf, param, seeOther } from './page-params';
import { ConsoleController } from './console.decorator';
import { ConsolePages } from './console-pages';
import { formFields, required } from './forms';
import { OPERATIONS_TEXT } from './operations.text';

const KID = /^[\w.-]{1,100}$/;

/**
 * 系统运维: the administrator's operations of the API, each behind a confirmation step (the GET
 * says what it will do, the POST does it and answers 303 with the result): the full recompute
 * (POST /api/v1/classification/recompute; its progress is the rule-set pages' recompute page),
 * a day's data export (POST /api/v1/exports/{date}; its job followed here) and the rotation of the
 * report signing key (POST /api/v1/report-keys/rotate). Same services, same role.
 */
@ConsoleController('admin/operations')
export class ConsoleOperationsController {
  constructor(
    private readonly pages: ConsolePages,
    private readonly ruleSets: RuleSetsService,
    private readonly exports: ExportsService,
    private readonly keys: ReportKeysService,
    private readonly clock: Clock,
  ) {}

  /** The operations, and the result of the one just done: an export's job (live) or the new key. */
  @Get()
  @Access('admin')
  async overview(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query() query: unknown,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const exportJob = param(query, 'export');
    let job: JobDto | null = null;
    if (exportJob) {
      if (!JOB_ID.test(exportJob) || !exportJob.startsWith(EXPORT_JOB_PREFIX)) throw Problem.notFound('Job', exportJob);
      job = await this.ruleSets.job(exportJob, { id: caller.userId ?? '', admin: true });
    }
    const options = {
      text: OPERATIONS_TEXT,
      data: {
        job,
        poll: job ? `/console/admin/operations?export=${encodeURIComponent(exportJob)}` : null,
        view: null,
        ruleSet: null,
        exportDate: job ? exportJob.slice(EXPORT_JOB_PREFIX.length, EXPORT_JOB_PREFIX.length + 10) : null,
      },
    };
    if (job && fromHtmx(request)) return this.pages.fragment(request, reply, 'rule-set-job', options);
    const rotated = param(query, 'rotated');
    const retired = param(query, 'retired');
    const current = await this.keys.current();
    // The new key is shown only while it is the current one (the address alone proves nothing).
    const key =
      KID.test(rotated) && rotated === current.kid
        ? { kid: rotated, retired: KID.test(retired) ? retired : null }
        : null;
    return this.pages.render(request, reply, 'operations', {
      ...options,
      title: (t) => t.operationsTitle,
      data: { ...options.data, key, activeVersion: await this.activeVersion() },
    });
  }

  @Get('recompute')
  @Access('admin')
  async recomputePage(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const version = await this.activeVersion();
    return this.pages.render(request, reply, 'operations-confirm', {
      title: (t) => t.recomputeOp,
      text: OPERATIONS_TEXT,
      data: {
        what: { key: 'recomputeWhat', n: version ?? '—' },
        current: null,
        action: '/console/admin/operations/recompute',
        button: 'recomputeConfirm',
      },
    });
  }

  /** Starts the full recompute and shows its progress on the page an activation's recompute has. */
  @Post('recompute')
  @AcceptsForm()
  @Access('admin')
  async recompute(@Res() reply: FastifyReply, @CurrentCaller() caller: Caller): Promise<void> {
    const version = await this.activeVersion();
    if (version === null)
      throw Problem.conflict('no-active-rule-set', { en: 'No rule set is active', zh: '没有现行的分类标准' });
    const { jobId } = await this.ruleSets.recomputeAll('requested by an administrator', caller.actor);
    return seeOther(reply, `/console/rule-sets/${version}/recompute?job=${encodeURIComponent(jobId)}`);
  }

  @Get('export')
  @Access('admin')
  exportPage(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.renderExport(request, reply, { date: addDays(this.clock.today(), -1), force: '' }, {});
  }

  /** A day's export again: a date that is no date, or not over, comes back beside the field and starts nothing. */
  @Post('export')
  @AcceptsForm()
  @Access('admin')
  async writeExport(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const fields = formFields(request);
    const lang = langOf(request);
    const values = { date: (fields.date ?? '').trim(), force: fields.force === 'yes' ? 'yes' : '' };
    if (!values.date) {
      return this.renderExport(request, reply, values, { date: required(lang) }, 400);
    }
    try {
      const { jobId } = await this.exports.rerun(values.date, caller.actor, values.force === 'yes');
      return seeOther(reply, `/console/admin/operations?export=${encodeURIComponent(jobId)}#result`);
    } catch (error) {
      const listed =
        error instanceof Problem ? (error.extensions.errors as { message: string }[] | undefined) : undefined;
      if (!listed?.length) throw error;
      const known = Object.values(EXPORT_DAY_PROBLEMS).find((p) => p.en === listed[0].message);
      const message = known ? known[lang] : lang === 'zh' ? '格式不正确' : listed[0].message;
      return this.renderExport(request, reply, values, { date: message }, 400);
    }
  }

  @Get('report-key')
  @Access('admin')
  async keyPage(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const current = await this.keys.current();
    return this.pages.render(request, reply, 'operations-confirm', {
      title: (t) => t.keyOp,
      text: OPERATIONS_TEXT,
      data: {
        what: { key: 'keyWhat' },
        current: current.kid,
        action: '/console/admin/operations/report-key',
        button: 'keyConfirm',
      },
    });
  }

  @Post('report-key')
  @AcceptsForm()
  @Access('admin')
  async rotate(@Res() reply: FastifyReply, @CurrentCaller() caller: Caller): Promise<void> {
    const rotated = await this.keys.rotate(caller.actor);
    const retired = rotated.retiredKid ? `&retired=${encodeURIComponent(rotated.retiredKid)}` : '';
    return seeOther(reply, `/console/admin/operations?rotated=${encodeURIComponent(rotated.kid)}${retired}#result`);
  }

  private renderExport(
    request: FastifyRequest,
    reply: FastifyReply,
    values: Record<string, string>,
    errors: Record<string, string>,
    status = 200,
  ): Promise<void> {
    return this.pages.render(request, reply, 'operations-export', {
      title: (t) => t.exportOp,
      text: OPERATIONS_TEXT,
      status,
      errors,
      values,
    });
  }

  private async activeVersion(): Promise<number | null> {
    return (await this.ruleSets.list()).find((v) => v.status === 'active')?.version ?? null;
  }
}
