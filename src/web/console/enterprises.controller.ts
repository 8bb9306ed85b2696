import { Get, Param, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../../access/access.decorator';
import { Caller, CurrentCaller } from '../../access/caller';
import { EnterprisesService } from '../../registry/enterprises.service';
import { ListEnterprisesQuery } from '../../registry/dto/enterprise.dto';
import { ConsoleController } from './console.decorator';
import { ConsolePages } from './console-pages';
import { EnterpriseFiles, gradeChartOf } from './enterprise-file';
import { ENTERPRISES_TEXT } from './enterprises.text';
import { checkForm, filled } from './forms';
import { langOf, pagerOf, param } from './page-params';

const PAGE_SIZE = 20;

/**
 * 企业档案: the register searched by name fragment or code (the API's search, in the caller's
 * district), and the internal file of one enterprise with its grade, history, records, blacklist
 * entries and query log; the grade part polls (htmx) while a regrading is pending.
 */
@ConsoleController('enterprises')
export class ConsoleEnterprisesController {
  constructor(
    private readonly pages: ConsolePages,
    private readonly enterprises: EnterprisesService,
    private readonly files: EnterpriseFiles,
  ) {}

  @Get()
  @Access('regulator', 'reviewer', 'admin')
  async search(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query() query: Record<string, string>,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const lang = langOf(request);
    const values = { q: param(query, 'q') };
    const checked = await checkForm(
      ListEnterprisesQuery,
      { ...filled(query, ['q', 'page']), pageSize: String(PAGE_SIZE) },
      lang,
    );
    const result = checked.ok ? await this.enterprises.search(checked.value, caller.jurisdiction) : null;
    return this.pages.render(request, reply, 'enterprises', {
      title: (t) => t.searchTitle,
      text: ENTERPRISES_TEXT,
      status: checked.ok ? 200 : 400,
      errors: checked.ok ? {} : checked.errors,
      values,
      data: {
        result,
        pager: result ? pagerOf('/console/enterprises', values, result) : null,
        district: caller.jurisdiction,
      },
    });
  }

  @Get(':uscc')
  @Access('regulator', 'reviewer', 'admin')
  async file(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('uscc') uscc: string,
    @Query() query: Record<string, string>,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const lang = langOf(request);
    const file = await this.files.file(uscc, caller, lang);
    return this.pages.render(request, reply, 'enterprise', {
      title: () => file.enterprise.name,
      text: ENTERPRISES_TEXT,
      data: (it) => ({
        ...file,
        chart: gradeChartOf(it, file.gradeView),
        recorded: /^\d{1,18}$/.test(query.recorded ?? '') ? query.recorded : null,
        corrected: /^\d{1,18}$/.test(query.corrected ?? '') ? query.corrected : null,
        withdrawn: /^\d{1,18}$/.test(query.withdrawn ?? '') ? query.withdrawn : null,
        canRecord: caller.role === 'regulator',
        canEdit: caller.role === 'regulator' || caller.role === 'admin',
        registered: query.registered === '1',
        updated: query.updated === '1',
      }),
    });
  }

  @Get(':uscc/grade')
  @Access('regulator', 'reviewer', 'admin')
  async grade(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('uscc') uscc: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const gradeView = await this.files.grade(uscc, caller, langOf(request));
    return this.pages.fragment(request, reply, 'grade', {
      text: ENTERPRISES_TEXT,
      data: (it) => ({ gradeView, chart: gradeChartOf(it, gradeView) }),
    });
  }
}
