import { Get, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../../access/access.decorator';
import { Caller, CurrentCaller } from '../../access/caller';
import { addDays, startOfBeijingDay } from '../../common/calendar-days';
import { PageQuery } from '../../common/pagination';
import { isIsoDate } from '../../imports/csv';
import { institutionOf } from '../../sharing/asker';
import { CreditQueriesService } from '../../sharing/credit-queries.service';
import { Purpose, PURPOSES } from '../../sharing/purposes';
import { ConsolePages } from '../console/console-pages';
import { langOf, pageParam, pagerOf, param } from '../console/page-params';
import { purposeOptions } from './institution-lookup.controller';
import { INSTITUTION_TEXT } from './institution.text';
import { PortalController } from './portal.decorator';

const PATH = '/portal/institution/queries';
const PAGE_SIZE = 50;

/**
 * 查询记录: the institution's own query log (its users' lookups and screenings and its keys'),
 * newest first, by Beijing dates (both days included) and purpose. A filter that is no date is
 * told beside its field (400) and the log shown unfiltered by it.
 */
@PortalController('institution', 'queries')
export class InstitutionQueriesController {
  constructor(
    private readonly pages: ConsolePages,
    private readonly queries: CreditQueriesService,
  ) {}

  @Get()
  @Access('institution')
  async list(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @CurrentCaller() caller: Caller) {
    const t = INSTITUTION_TEXT[langOf(request)];
    const values = {
      from: param(request.query, 'from'),
      to: param(request.query, 'to'),
      purpose: param(request.query, 'purpose'),
    };
    const errors: Record<string, string> = {};
    for (const field of ['from', 'to'] as const)
      if (values[field] && !isIsoDate(values[field])) errors[field] = t.badDate;
    if (!errors.from && !errors.to && values.from && values.to && values.to < values.from) errors.to = t.toBeforeFrom;
    if (values.purpose && !(PURPOSES as readonly string[]).includes(values.purpose)) errors.purpose = t.choosePurpose;
    const from = values.from && !errors.from ? startOfBeijingDay(values.from) : null;
    const to = values.to && !errors.to ? startOfBeijingDay(addDays(values.to, 1)) : null;
    const purpose = values.purpose && !errors.purpose ? (values.purpose as Purpose) : null;
    const page = await this.queries.ofInstitution(
      institutionOf(caller),
      { from, to, purpose },
      Object.assign(new PageQuery(), { page: pageParam(request.query), pageSize: PAGE_SIZE }),
    );
    return this.pages.render(request, reply, 'portal/institution-queries', {
      title: (text) => text.queriesTitle,
      text: INSTITUTION_TEXT,
      status: Object.keys(errors).length ? 400 : 200,
      errors,
      values,
      data: (context) => ({
        page,
        pager: pagerOf(PATH, values, page),
        purposes: purposeOptions(context.t, context.t.allPurposes),
      }),
    });
  }
}
