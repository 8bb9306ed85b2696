import { Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../../access/access.decorator';
import { Caller, CurrentCaller } from '../../access/caller';
import { AcceptsForm } from '../../common/body-limit';
import { Problem } from '../../common/problem';
import { CorrectRecordDto, CreateRecordDto } from '../../records/dto/record.dto';
import { recorder } from '../../records/recorder';
import { HOTLINES, RECORD_TYPES, SEVERITIES } from '../../records/record-rules';
import { RecordsService } from '../../records/records.service';
import { EnterprisesService } from '../../registry/enterprises.service';
import { UsccField } from '../../registry/uscc-field';
import { format, Lang } from '../i18n';
import { ConsoleController } from './console.decorator';
import { ConsoleContext, ConsolePages } from './console-pages';
import { asNotFound } from './enterprise-file';
import { langOf, param, seeOther } from './page-params';
import { ENTERPRISES_TEXT } from './enterprises.text';
import { checkForm, filled, formFields, readForm } from './forms';

/** The record form: the API's CreateRecordDto plus the enterprise's code (a path parameter in the API). */
class RecordFormDto extends CreateRecordDto {
  @UsccField()
  uscc!: string;
}

const RECORD_FIELDS = ['uscc', 'type', 'severity', 'occurredOn', 'summary', 'documentNo', 'hotline', 'disclosed'];
const CORRECT_FIELDS = ['action', 'reason', 'type', 'severity', 'occurredOn', 'summary', 'documentNo'];

/** `是否公开` posts `true`/`false` (or nothing for the type's default); the DTO takes a boolean. */
function withBoolean(input: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...input };
  if (input.disclosed === 'true' || input.disclosed === 'false') out.disclosed = input.disclosed === 'true';
  return out;
}

/**
 * A service's refusal of a record or correction, beside the field it is about, in the person's
 * language: the record rules (date, hotline), a duplicate document number, a record that cannot
 * be corrected any more. Anything else goes to the error page.
 */
function refusal(error: unknown, lang: Lang, values: Record<string, string>): Record<string, string> {
  if (!(error instanceof Problem) || error.status >= 500) throw error;
  const t = ENTERPRISES_TEXT[lang];
  const listed = (error.extensions.errors as { field: string; message: string }[] | undefined) ?? [];
  if (error.code === 'validation-failed' && listed.length) {
    return Object.fromEntries(
      listed.map(({ field, message }) => {
        const registered = /registered \((\d{4}-\d{2}-\d{2})\)/.exec(message);
        const text = registered
          ? format(t.dateBeforeRegistration, { date: registered[1] })
          : message.includes('future')
            ? t.dateFuture
            : message.includes('required for a substantiated')
              ? t.hotlineRequired
              : message.includes('substantiated complaints only')
                ? t.hotlineOnly
                : message.includes('only a reason')
                  ? t.withdrawTakesReason
                  : lang === 'zh'
                    ? '格式不正确'
                    : message;
        return [field, text];
      }),
    );
  }
  switch (error.code) {
    case 'duplicate-document':
      return { documentNo: format(t.duplicateDocument, { no: values.documentNo ?? '' }) };
    case 'empty-amendment':
      return { action: t.emptyAmendment };
    case 'record-superseded':
    case 'record-withdrawn':
      return { '': t.notCorrectable };
    case 'forbidden':
      return { '': t.otherDepartment };
    default:
      if (error.status === 404) return { uscc: t.unknownEnterprise };
      return { '': error.localized(lang) };
  }
}

/** The choices of the record form's selects, in the person's language. */
function choices(it: ConsoleContext) {
  return {
    types: [{ value: '', text: it.t.choose }, ...RECORD_TYPES.map((v) => ({ value: v, text: it.label(v) }))],
    severities: [{ value: '', text: it.t.noSeverity }, ...SEVERITIES.map((v) => ({ value: v, text: it.label(v) }))],
    hotlines: [{ value: '', text: it.t.noHotline }, ...HOTLINES.map((v) => ({ value: v, text: v }))],
    disclosed: [
      { value: '', text: it.t.disclosedDefault },
      { value: 'true', text: it.t.yes },
      { value: 'false', text: it.t.no },
    ],
    actions: [
      { value: 'withdraw', text: it.t.actionWithdraw },
      { value: 'amend', text: it.t.actionAmend },
    ],
  };
}

/**
 * 信用记录: record an event for an enterprise (the API's CreateRecordDto and RecordsService, the
 * caller's department and district), and correct or withdraw a record with a reason. Refusals
 * show beside their field and save nothing; a saved record leads to the enterprise file, whose
 * grade part follows the regrading.
 */
@ConsoleController('records')
export class ConsoleRecordsController {
  constructor(
    private readonly pages: ConsolePages,
    private readonly records: RecordsService,
    private readonly enterprises: EnterprisesService,
  ) {}

  @Get('new')
  @Access('regulator')
  newForm(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query() query: Record<string, string>,
  ): Promise<void> {
    const uscc = param(query, 'uscc');
    return this.renderNew(request, reply, { uscc }, {}, 200);
  }

  @Post('new')
  @Access('regulator')
  @AcceptsForm()
  async create(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const lang = langOf(request);
    const fields = formFields(request);
    const values = Object.fromEntries(RECORD_FIELDS.map((n) => [n, fields[n] ?? '']));
    const checked = await checkForm(RecordFormDto, withBoolean(filled(fields, RECORD_FIELDS)), lang);
    if (!checked.ok) return this.renderNew(request, reply, values, checked.errors, 400);
    const { uscc, ...dto } = checked.value;
    let errors: Record<string, string>;
    try {
      await this.enterprises.resolve(uscc, caller.jurisdiction);
      const record = await this.records.create(uscc, Object.assign(new CreateRecordDto(), dto), recorder(caller));
      seeOther(reply, `/console/enterprises/${uscc}?recorded=${record.id}`);
      return;
    } catch (error) {
      errors =
        error instanceof Problem && (error.status === 403 || error.status === 404)
          ? error.code === 'forbidden' && error.detail.startsWith('Records are made')
            ? { '': error.localized(lang) }
            : { uscc: ENTERPRISES_TEXT[lang].unknownEnterprise }
          : refusal(error, lang, values);
    }
    return this.renderNew(request, reply, values, errors, 400);
  }

  @Get(':id/correct')
  @Access('regulator')
  async correctForm(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const record = await this.records.findOne(id, caller.jurisdiction).catch(asNotFound);
    return this.renderCorrect(request, reply, record, { action: 'withdraw' }, {}, 200);
  }

  @Post(':id/correct')
  @Access('regulator')
  @AcceptsForm()
  async correct(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const lang = langOf(request);
    const record = await this.records.findOne(id, caller.jurisdiction).catch(asNotFound);
    const { values, checked } = await readForm(request, CorrectRecordDto, CORRECT_FIELDS);
    if (!checked.ok) return this.renderCorrect(request, reply, record, values, checked.errors, 400);
    try {
      const corrected = await this.records.correct(record.id, checked.value, recorder(caller));
      const done = checked.value.action === 'withdraw' ? 'withdrawn' : 'corrected';
      seeOther(reply, `/console/enterprises/${record.uscc}?${done}=${corrected.id}`);
      return;
    } catch (error) {
      return this.renderCorrect(request, reply, record, values, refusal(error, lang, values), 400);
    }
  }

  private renderNew(
    request: FastifyRequest,
    reply: FastifyReply,
    values: Record<string, string>,
    errors: Record<string, string>,
    status: number,
  ): Promise<void> {
    return this.pages.render(request, reply, 'record-new', {
      title: (t) => t.newTitle,
      text: ENTERPRISES_TEXT,
      status,
      errors,
      values,
      data: (it) => ({ choices: choices(it) }),
    });
  }

  private renderCorrect(
    request: FastifyRequest,
    reply: FastifyReply,
    record: Awaited<ReturnType<RecordsService['findOne']>>,
    values: Record<string, string>,
    errors: Record<string, string>,
    status: number,
  ): Promise<void> {
    return this.pages.render(request, reply, 'record-correct', {
      title: (t) => format(t.correctTitle, { id: record.id }),
      text: ENTERPRISES_TEXT,
      status,
      errors,
      values,
      data: (it) => ({ record, choices: choices(it) }),
    });
  }
}
