import { Get, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../../access/access.decorator';
import { Caller, CurrentCaller } from '../../access/caller';
import { Problem } from '../../common/problem';
import { uuidId } from '../../common/validation';
import { ImportDto } from '../../imports/dto/import.dto';
import { csvTemplate, xlsxTemplate } from '../../imports/import-files';
import { IMPORT_KINDS, IMPORT_MODES, ImportKind } from '../../imports/import-kinds';
import { columnZh, importMessageZh } from '../../imports/import-messages';
import { ImportsService } from '../../imports/imports.service';
import { recorder } from '../../records/recorder';
import { Lang } from '../i18n';
import { ConsoleController } from './console.decorator';
import { ConsolePages } from './console-pages';
import { IMPORTS_TEXT } from './imports.text';
import { attachment, langOf, seeOther } from './page-params';

/** Errors listed on an import's page; all of them are in the 下载错误明细 file. */
const LISTED_ERRORS = 20;

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** How far an import has got, 0–100, for its progress bar. */
export function percentDone(view: Pick<ImportDto, 'status' | 'processedRows' | 'totalRows'>): number {
  if (view.status === 'completed' || view.status === 'rejected') return 100;
  if (!view.totalRows) return 0;
  return Math.min(99, Math.floor((100 * view.processedRows) / view.totalRows));
}

/**
 * 批量导入: upload a CSV or xlsx of records or enterprises (regulators), follow its progress and
 * read its outcome (regulators, administrators), download the rejected rows and the templates.
 * The pages call the API's ImportsService: the same upload, the same rules, the same refusals.
 */
@ConsoleController('imports')
export class ConsoleImportsController {
  constructor(
    private readonly pages: ConsolePages,
    private readonly imports: ImportsService,
  ) {}

  @Get()
  @Access('regulator', 'admin')
  list(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @CurrentCaller() caller: Caller): Promise<void> {
    return this.listPage(request, reply, caller);
  }

  @Post()
  @Access('regulator')
  async upload(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @CurrentCaller() caller: Caller) {
    const lang = langOf(request);
    try {
      const created = await this.imports.receive(request, {}, recorder(caller));
      return seeOther(reply, `/console/imports/${created.id}`);
    } catch (error) {
      const errors = this.uploadErrors(error, lang);
      return this.listPage(request, reply, caller, { status: 400, errors });
    }
  }

  @Get('templates/:file')
  @Access('regulator', 'admin')
  async template(@Param('file') file: string, @Res() reply: FastifyReply): Promise<void> {
    const match = /^(records|enterprises)\.(csv|xlsx)$/.exec(file);
    if (!match) throw Problem.notFound('Template', file);
    const [, kind, format] = match as unknown as [string, ImportKind, 'csv' | 'xlsx'];
    const name = `${IMPORTS_TEXT.zh[`kind_${kind}`]}导入模板.${format}`;
    const body = format === 'csv' ? csvTemplate(kind) : await xlsxTemplate(kind);
    void reply
      .header('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : XLSX)
      .header('Content-Disposition', attachment(name))
      .header('Cache-Control', 'private, no-store')
      .send(body);
  }

  @Get(':id')
  @Access('regulator', 'admin')
  async detail(
    @Param('id', uuidId) id: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const found = await this.imports.get(id, viewer(caller));
    return this.pages.render(request, reply, 'import', {
      title: (t) => t.importTitle,
      text: IMPORTS_TEXT,
      data: (context) => ({ imp: this.shown(found, context.lang) }),
    });
  }

  /** The progress part of an import's page, which htmx fetches every second while the worker runs. */
  @Get(':id/progress')
  @Access('regulator', 'admin')
  async progress(
    @Param('id', uuidId) id: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const found = await this.imports.get(id, viewer(caller));
    return this.pages.fragment(request, reply, 'import-progress', {
      text: IMPORTS_TEXT,
      data: (context) => ({ imp: this.shown(found, context.lang) }),
    });
  }

  /** 下载错误明细: the rejected rows, their columns and a reason each (CSV, UTF-8 with BOM). */
  @Get(':id/errors.csv')
  @Access('regulator', 'admin')
  async errors(
    @Param('id', uuidId) id: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const lang = langOf(request);
    const { fileName, csv } = await this.imports.rejectedRows(id, viewer(caller), lang);
    const base = fileName.replace(/\.[^.]*$/, '') || 'import';
    void reply
      .header('Content-Type', 'text/csv; charset=utf-8')
      .header('Content-Disposition', attachment(`${base}-${lang === 'zh' ? '错误明细' : 'errors'}.csv`))
      .header('Cache-Control', 'private, no-store')
      .send(csv);
  }

  private async listPage(
    request: FastifyRequest,
    reply: FastifyReply,
    caller: Caller,
    form: { status?: number; errors?: Record<string, string> } = {},
  ): Promise<void> {
    const recent = await this.imports.recent(viewer(caller));
    const fields = (request.body ?? {}) as Record<string, unknown>;
    return this.pages.render(request, reply, 'imports', {
      title: (t) => t.importsTitle,
      text: IMPORTS_TEXT,
      status: form.status,
      errors: form.errors,
      values: { kind: typeof fields.kind === 'string' ? fields.kind : 'records' },
      data: (context) => ({
        recent: recent.map((r) => ({ ...r, percent: percentDone(r), statusText: context.t[`status_${r.status}`] })),
        canUpload: caller.role === 'regulator',
        kinds: IMPORT_KINDS.map((k) => ({ value: k, text: context.t[`kind_${k}`] })),
        modes: IMPORT_MODES.map((m) => ({ value: m, text: context.t[`mode_${m}`] })),
      }),
    });
  }

  /** A refused upload as messages beside the form's fields (`''` for the form as a whole). */
  private uploadErrors(error: unknown, lang: Lang): Record<string, string> {
    if (!(error instanceof Problem) || error.status >= 500) throw error;
    const t = IMPORTS_TEXT[lang];
    const listed = (error.extensions.errors as { field: string; message: string }[] | undefined) ?? [];
    switch (error.code) {
      case 'unreadable-file':
        return { file: error.localized(lang) };
      case 'file-too-large':
        return { file: t.tooLarge };
      case 'validation-failed':
        return Object.fromEntries(
          listed.map((e) => {
            if (e.field === 'file')
              return ['file', e.message.startsWith('is required') ? t.chooseFile : error.localized(lang)];
            if (e.field === 'kind') return ['kind', t.chooseKind];
            return [e.field === 'mode' ? 'mode' : '', lang === 'zh' ? '格式不正确' : e.message];
          }),
        );
      default:
        return { '': error.localized(lang) };
    }
  }

  /** An import as its page shows it: the progress, the statuses' words and each listed error in the person's language. */
  private shown(found: ImportDto, lang: Lang) {
    const t = IMPORTS_TEXT[lang];
    return {
      ...found,
      percent: percentDone(found),
      running: found.status === 'queued' || found.status === 'running',
      statusText: t[`status_${found.status}` as keyof typeof t] ?? found.status,
      kindText: t[`kind_${found.kind}`],
      listed: found.errors.slice(0, LISTED_ERRORS).map((e) => ({
        line: e.row,
        column: e.field ? (lang === 'zh' ? columnZh(found.kind, e.field) : e.field) : t.wholeRow,
        reason: lang === 'zh' ? importMessageZh(e.message) : e.message,
      })),
    };
  }
}

function viewer(caller: Caller): { userId: string; admin: boolean } {
  if (!caller.userId)
    throw Problem.forbidden({
      en: 'Imports are read by their uploader and administrators',
      zh: '导入只有上传人和管理员可以查看',
    });
  return { userId: caller.userId, admin: caller.role === 'admin' };
}
