import { Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import '@fastify/multipart'; // types for request.parts()
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../../access/access.decorator';
import { Caller, CurrentCaller } from '../../access/caller';
import { JobDto, RuleSetDto } from '../../classification/dto/rule-set.dto';
import type { DryRunResult } from '../../classification/rule-set-dry-run';
import { ruleSetIssues } from '../../classification/rule-set';
import { RuleSetsService } from '../../classification/rule-sets.service';
import { AcceptsForm } from '../../common/body-limit';
import { Problem } from '../../common/problem';
import { ReferenceService } from '../../registry/reference.service';
import { format } from '../i18n';
import { ConsoleController } from './console.decorator';
import { ConsoleContext, ConsolePages } from './console-pages';
import { formFields } from './forms';
import { fromHtmx, JOB_ID, langOf, seeOther } from './page-params';
import { jsonDiff } from './json-diff';
import { dryRunView } from './rule-set-views';
import { RULE_SETS_TEXT } from './rule-sets.text';

/** A draft's JSON, pasted or uploaded: well above a standard's few KB, well below the API's body limit. */
const MAX_DOCUMENT_BYTES = 256 * 1024;

const versionOf = (raw: string): number => {
  if (!/^\d{1,9}$/.test(raw)) throw Problem.notFound('Rule set', raw);
  return Number(raw);
};

/**
 * 分类标准: the versions of the classification standard and what changed between them, a draft
 * uploaded (every error with its JSON path, in Chinese), its dry run (grade moves and districts),
 * its activation with a confirmation step, and the full recompute that follows, live. The
 * same service as `/api/v1/rule-sets`, with the same roles.
 */
@ConsoleController('rule-sets')
export class ConsoleRuleSetsController {
  constructor(
    private readonly pages: ConsolePages,
    private readonly ruleSets: RuleSetsService,
    private readonly reference: ReferenceService,
  ) {}

  @Get()
  @Access('regulator', 'reviewer', 'admin')
  async list(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Query('drafted') drafted?: string) {
    const versions = await this.ruleSets.history(); // newest first
    const rows = versions.map((v, i) => {
      const previous = versions[i + 1];
      return {
        ...v,
        previous: previous?.version ?? null,
        diff: previous ? jsonDiff(previous.document, v.document) : null,
        json: previous ? null : JSON.stringify(v.document, null, 2),
      };
    });
    return this.pages.render(request, reply, 'rule-sets', {
      title: (t) => t.ruleSetsTitle,
      text: RULE_SETS_TEXT,
      data: { versions: rows, drafted: /^\d{1,9}$/.test(drafted ?? '') ? drafted : null },
    });
  }

  @Get('new')
  @Access('admin')
  async draftForm(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const active = (await this.ruleSets.list()).find((v) => v.status === 'active');
    return this.pages.render(request, reply, 'rule-set-new', {
      title: (t) => t.newTitle,
      text: RULE_SETS_TEXT,
      data: { issues: [] },
      values: { document: active ? JSON.stringify(active.document, null, 2) : '' },
    });
  }

  /**
   * A draft from the form (multipart: the text area `document`, or a chosen `file`): JSON that does
   * not parse, or a document the schema refuses, comes back beside the field with every error's
   * JSON path, and nothing is stored.
   */
  @Post()
  @AcceptsForm()
  @Access('admin')
  async draft(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @CurrentCaller() caller: Caller) {
    const text = await this.documentText(request);
    const lang = langOf(request);
    const t = RULE_SETS_TEXT[lang];
    let parsed: unknown;
    let issues: { pointer: string; message: string }[];
    try {
      parsed = JSON.parse(text);
      issues =
        typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
          ? ruleSetIssues(parsed).map((i) => ({ pointer: i.pointer, message: lang === 'zh' ? i.zh : i.message }))
          : [{ pointer: '/', message: t.notObject }];
    } catch (error) {
      issues = [{ pointer: '', message: t.notJson.replace('{reason}', (error as Error).message) }];
    }
    if (issues.length) {
      return this.pages.render(request, reply, 'rule-set-new', {
        title: (tt) => tt.newTitle,
        text: RULE_SETS_TEXT,
        status: 400,
        data: { issues },
        errors: { document: issues[0].message },
        values: { document: text },
      });
    }
    const created = await this.ruleSets.draft(parsed as Record<string, unknown>, caller.actor);
    return seeOther(reply, `/console/rule-sets?drafted=${created.version}#v${created.version}`);
  }

  @Get(':version/dry-run')
  @Access('admin', 'reviewer')
  async dryRunPage(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('version') raw: string,
    @CurrentCaller() caller: Caller,
    @Query('job') jobId?: string,
  ) {
    const version = versionOf(raw);
    const ruleSet = await this.version(version);
    const job = jobId ? await this.job(jobId, 'dry-run', caller) : null;
    const result = job?.state === 'completed' ? (job.result as DryRunResult) : null;
    if (result && result.draftVersion !== version) throw Problem.notFound('Job', jobId!);
    const districts = result ? await this.reference.listDistricts() : [];
    const data = (context: ConsoleContext) => ({
      ruleSet,
      job,
      poll: jobId ? `/console/rule-sets/${version}/dry-run?job=${encodeURIComponent(jobId)}` : null,
      view: result ? dryRunView(result, districts, context) : null,
    });
    const options = { text: RULE_SETS_TEXT, data };
    if (job && fromHtmx(request)) return this.pages.fragment(request, reply, 'rule-set-job', options);
    return this.pages.render(request, reply, 'rule-set-dry-run', {
      ...options,
      title: (t) => format(t.dryRunTitle, { n: version }),
    });
  }

  @Post(':version/dry-run')
  @AcceptsForm()
  @Access('admin', 'reviewer')
  async dryRun(@Res() reply: FastifyReply, @Param('version') raw: string, @CurrentCaller() caller: Caller) {
    const version = versionOf(raw);
    const { jobId } = await this.ruleSets.dryRun(version, caller.actor);
    return seeOther(reply, `/console/rule-sets/${version}/dry-run?job=${encodeURIComponent(jobId)}`);
  }

  /** The confirmation step: what the draft changes from the active version, and one button. */
  @Get(':version/activate')
  @Access('reviewer')
  async activatePage(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('version') raw: string) {
    const version = versionOf(raw);
    const versions = await this.ruleSets.list();
    const ruleSet = versions.find((v) => v.version === version);
    if (!ruleSet) throw Problem.notFound('Rule set', raw);
    const active = versions.find((v) => v.status === 'active') ?? null;
    return this.pages.render(request, reply, 'rule-set-activate', {
      title: (t) => format(t.activateTitle, { n: version }),
      text: RULE_SETS_TEXT,
      data: { ruleSet, active, diff: active ? jsonDiff(active.document, ruleSet.document) : [] },
    });
  }

  @Post(':version/activate')
  @AcceptsForm()
  @Access('reviewer')
  async activate(@Res() reply: FastifyReply, @Param('version') raw: string, @CurrentCaller() caller: Caller) {
    // The form carries no field: its button, on the page that shows what changes, is the confirmation.
    const version = versionOf(raw);
    const { jobId } = await this.ruleSets.activate(version, caller.actor);
    return seeOther(reply, `/console/rule-sets/${version}/recompute?job=${encodeURIComponent(jobId)}`);
  }

  /** The full recompute an activation started, live: a progress bar htmx polls until it ends. */
  @Get(':version/recompute')
  @Access('reviewer', 'admin')
  async recomputePage(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('version') raw: string,
    @CurrentCaller() caller: Caller,
    @Query('job') jobId?: string,
  ) {
    const version = versionOf(raw);
    const ruleSet = await this.version(version);
    if (!jobId) throw Problem.notFound('Job', '');
    const job = await this.job(jobId, 'recompute-all', caller);
    const options = {
      text: RULE_SETS_TEXT,
      data: {
        ruleSet,
        job,
        poll: `/console/rule-sets/${version}/recompute?job=${encodeURIComponent(jobId)}`,
        view: null,
      },
    };
    if (fromHtmx(request)) return this.pages.fragment(request, reply, 'rule-set-job', options);
    return this.pages.render(request, reply, 'rule-set-recompute', { ...options, title: (t) => t.recomputeTitle });
  }

  private async version(version: number): Promise<RuleSetDto> {
    const found = (await this.ruleSets.list()).find((v) => v.version === version);
    if (!found) throw Problem.notFound('Rule set', String(version));
    return found;
  }

  /** A job this person may follow (whoever started it, or an administrator), of the kind the page shows. */
  private async job(jobId: string, name: string, caller: Caller): Promise<JobDto> {
    if (!JOB_ID.test(jobId)) throw Problem.notFound('Job', jobId);
    const job = await this.ruleSets.job(jobId, { id: caller.userId ?? '', admin: caller.role === 'admin' });
    if (job.name !== name) throw Problem.notFound('Job', jobId);
    return job;
  }

  /** The document's text: the chosen file if one was, else the text area. */
  private async documentText(request: FastifyRequest): Promise<string> {
    if (!request.isMultipart()) return formFields(request).document ?? '';
    let typed = '';
    let file = '';
    try {
      for await (const part of request.parts({ limits: { fileSize: MAX_DOCUMENT_BYTES, files: 1, fields: 2 } })) {
        if (part.type === 'file') {
          const content = await part.toBuffer();
          if (part.fieldname === 'file') file = content.toString('utf8');
        } else if (part.fieldname === 'document') {
          typed = String(part.value);
        }
      }
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 413)
        throw Problem.validation([{ field: 'file', message: `is over ${MAX_DOCUMENT_BYTES / 1024} KB` }]);
      throw Problem.badRequest('bad-multipart', {
        en: `The form could not be read: ${(error as Error).message}`,
        zh: `无法读取表单：${(error as Error).message}`,
      });
    }
    return file.trim() ? file.replace(/^\uFEFF/, '') : typed;
  }
}
