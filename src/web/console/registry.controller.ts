import { Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../../access/access.decorator';
import { Caller, CurrentCaller } from '../../access/caller';
import { AcceptsForm } from '../../common/body-limit';
import { Problem } from '../../common/problem';
import { checkUscc } from '../../common/uscc';
import { CreateAllowListEntryDto } from '../../registry/dto/allowlist.dto';
import { CreateEnterpriseDto, EnterpriseDto, UpdateEnterpriseDto } from '../../registry/dto/enterprise.dto';
import { ENTERPRISE_STATUSES } from '../../registry/enterprise.entity';
import { EnterprisesService } from '../../registry/enterprises.service';
import { ReferenceService } from '../../registry/reference.service';
import { UsccAllowListService } from '../../registry/uscc-allowlist.service';
import { format, Lang } from '../i18n';
import { ConsoleController } from './console.decorator';
import { ConsoleContext, ConsolePages } from './console-pages';
import { asNotFound } from './enterprise-file';
import { langOf, param, seeOther } from './page-params';
import { checkForm, formFields, readForm, required } from './forms';
import { REGISTRY_TEXT } from './registry.text';

const CREATE_FIELDS = [
  'uscc',
  'name',
  'districtCode',
  'industryCode',
  'legalRepresentative',
  'address',
  'registeredOn',
] as const;
const EDIT_FIELDS = ['name', 'address', 'legalRepresentative', 'status'] as const;

/** Why a credit code fails, in the person's language (the check that failed, and where). */
function usccMessage(value: string, lang: Lang): string | null {
  const t = REGISTRY_TEXT[lang];
  if (!value.trim()) return required(lang);
  const check = checkUscc(value);
  if (check.valid) return null;
  switch (check.failure) {
    case 'length':
      return format(t.usccLength, { n: check.uscc.length });
    case 'alphabet': {
      const i = [...check.uscc].findIndex((c) => !/[0-9A-HJ-NPQRTUWXY]/.test(c));
      return format(t.usccAlphabet, { i: i + 1, c: check.uscc[i] ?? '' });
    }
    case 'organisation-code':
      return t.usccOrgCode;
    default:
      return t.usccCheckChar;
  }
}

/** The form checks' generic "format" messages made specific for the registration fields. */
function sharpen(errors: Record<string, string>, values: Record<string, string>, lang: Lang): Record<string, string> {
  const t = REGISTRY_TEXT[lang];
  const out = { ...errors };
  if (out.uscc) out.uscc = usccMessage(values.uscc ?? '', lang) ?? out.uscc;
  if (out.industryCode && values.industryCode?.trim()) out.industryCode = t.industryFormat;
  if (out.districtCode && values.districtCode?.trim()) out.districtCode = t.districtFormat;
  return out;
}

/**
 * A registry service's refusal beside its field: a code already registered, a district outside
 * the caller's, an unknown district, a founding date in the future. Anything else goes to the
 * form's alert (a 4xx) or the error page.
 */
function refusal(error: unknown, lang: Lang, jurisdiction: string | null): Record<string, string> {
  if (!(error instanceof Problem) || error.status >= 500) throw error;
  const t = REGISTRY_TEXT[lang];
  const listed = (error.extensions.errors as { field: string; message: string }[] | undefined) ?? [];
  if (error.code === 'validation-failed' && listed.length) {
    return Object.fromEntries(
      listed.map(({ field, message }) => [
        field,
        field === 'registeredOn' && message.includes('future')
          ? t.dateFuture
          : field === 'districtCode'
            ? t.noDistrict
            : lang === 'zh'
              ? '格式不正确'
              : message,
      ]),
    );
  }
  if (error.code === 'duplicate-enterprise') return { uscc: t.duplicate };
  if (error.code === 'duplicate-allowlist-entry') return { uscc: t.allowDuplicate };
  if (error.status === 403 && jurisdiction) {
    return { districtCode: format(t.notYourDistrict, { district: jurisdiction }) };
  }
  return { '': error.localized(lang) };
}

const statusChoices = (it: ConsoleContext) =>
  ENTERPRISE_STATUSES.map((s) => ({ value: s, text: (it.t as Record<string, string>)[`status_${s}`] ?? s }));

/**
 * 登记企业 and 修改登记信息: the API's CreateEnterpriseDto / UpdateEnterpriseDto through
 * EnterprisesService with the caller's district (a district-level regulator registers and edits
 * in their district only). Refusals show beside their field and save nothing; a saved enterprise
 * leads to its file.
 */
@ConsoleController('enterprises')
export class ConsoleEnterpriseRegisterController {
  constructor(
    private readonly pages: ConsolePages,
    private readonly enterprises: EnterprisesService,
    private readonly reference: ReferenceService,
  ) {}

  @Get('new')
  @Access('regulator', 'admin')
  newForm(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @CurrentCaller() caller: Caller): Promise<void> {
    return this.renderNew(request, reply, caller, { districtCode: caller.jurisdiction ?? '' }, {}, 200);
  }

  @Post('new')
  @Access('regulator', 'admin')
  @AcceptsForm()
  async create(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const lang = langOf(request);
    const { values, checked } = await readForm(request, CreateEnterpriseDto, CREATE_FIELDS);
    if (!checked.ok) {
      return this.renderNew(request, reply, caller, values, sharpen(checked.errors, values, lang), 400);
    }
    try {
      const created = await this.enterprises.create(checked.value, caller.actor, caller.jurisdiction);
      seeOther(reply, `/console/enterprises/${created.uscc}?registered=1`);
      return;
    } catch (error) {
      return this.renderNew(request, reply, caller, values, refusal(error, lang, caller.jurisdiction), 400);
    }
  }

  @Get(':uscc/edit')
  @Access('regulator', 'admin')
  async editForm(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('uscc') uscc: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const enterprise = await this.enterprises.findOne(uscc, caller.jurisdiction).catch(asNotFound);
    const values = {
      name: enterprise.name,
      address: enterprise.address ?? '',
      legalRepresentative: enterprise.legalRepresentative ?? '',
      status: enterprise.status,
    };
    return this.renderEdit(request, reply, enterprise, values, {}, 200);
  }

  @Post(':uscc/edit')
  @Access('regulator', 'admin')
  @AcceptsForm()
  async update(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('uscc') uscc: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const lang = langOf(request);
    const enterprise = await this.enterprises.findOne(uscc, caller.jurisdiction).catch(asNotFound);
    const fields = formFields(request);
    const values = Object.fromEntries(EDIT_FIELDS.map((n) => [n, fields[n] ?? '']));
    const clearable = (v: string) => (v.trim() === '' ? null : v);
    // Only what changed goes to the service (as a PATCH would); an emptied optional field clears it.
    const input: Record<string, unknown> = {};
    if (values.name.trim() !== enterprise.name) input.name = values.name;
    if (values.address.trim() !== (enterprise.address ?? '')) input.address = clearable(values.address);
    if (values.legalRepresentative.trim() !== (enterprise.legalRepresentative ?? '')) {
      input.legalRepresentative = clearable(values.legalRepresentative);
    }
    if (values.status !== enterprise.status) input.status = values.status;
    const checked = await checkForm(UpdateEnterpriseDto, input, lang);
    if (!checked.ok) return this.renderEdit(request, reply, enterprise, values, checked.errors, 400);
    if (Object.keys(input).length === 0) {
      return this.renderEdit(request, reply, enterprise, values, { '': REGISTRY_TEXT[lang].nothingChanged }, 400);
    }
    try {
      await this.enterprises.update(enterprise.uscc, checked.value, caller.actor, caller.jurisdiction);
      seeOther(reply, `/console/enterprises/${enterprise.uscc}?updated=1`);
      return;
    } catch (error) {
      return this.renderEdit(request, reply, enterprise, values, refusal(error, lang, null), 400);
    }
  }

  private async renderNew(
    request: FastifyRequest,
    reply: FastifyReply,
    caller: Caller,
    values: Record<string, string>,
    errors: Record<string, string>,
    status: number,
  ): Promise<void> {
    const districts = (await this.reference.listDistricts()).filter(
      (d) => !caller.jurisdiction || d.code === caller.jurisdiction,
    );
    return this.pages.render(request, reply, 'enterprise-new', {
      title: (t) => t.newTitle,
      text: REGISTRY_TEXT,
      status,
      errors,
      values,
      data: (it) => ({
        district: caller.jurisdiction,
        districts: [
          ...(caller.jurisdiction ? [] : [{ value: '', text: it.t.choose }]),
          ...districts.map((d) => ({ value: d.code, text: `${d.code} ${it.lang === 'zh' ? d.nameZh : d.nameEn}` })),
        ],
      }),
    });
  }

  private renderEdit(
    request: FastifyRequest,
    reply: FastifyReply,
    enterprise: EnterpriseDto,
    values: Record<string, string>,
    errors: Record<string, string>,
    status: number,
  ): Promise<void> {
    return this.pages.render(request, reply, 'enterprise-edit', {
      title: (t) => format(t.editTitle, { name: enterprise.name }),
      text: REGISTRY_TEXT,
      status,
      errors,
      values,
      data: (it) => ({ enterprise, statuses: statusChoices(it) }),
    });
  }
}

/**
 * 历史代码允许名单: the legacy credit codes that fail a check character yet are allowed, with
 * why (readable by the staff the API lets read it), and an administrator's form to add one
 * (UsccAllowListService, audited).
 */
@ConsoleController('admin/uscc-allowlist')
export class ConsoleUsccAllowListController {
  constructor(
    private readonly pages: ConsolePages,
    private readonly allowList: UsccAllowListService,
  ) {}

  @Get()
  @Access('admin', 'regulator', 'reviewer')
  list(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query() query: Record<string, string>,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const added = /^[0-9A-Z]{18}$/.test(param(query, 'added')) ? param(query, 'added') : null;
    return this.render(request, reply, caller, {}, {}, 200, added);
  }

  @Post()
  @Access('admin')
  @AcceptsForm()
  async add(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @CurrentCaller() caller: Caller) {
    const lang = langOf(request);
    const t = REGISTRY_TEXT[lang];
    const { values, checked } = await readForm(request, CreateAllowListEntryDto, ['uscc', 'reason']);
    if (!checked.ok) {
      const errors = { ...checked.errors };
      if (errors.uscc && values.uscc.trim()) errors.uscc = t.allowUsccFormat;
      return this.render(request, reply, caller, values, errors, 400, null);
    }
    try {
      const entry = await this.allowList.add(checked.value, caller.actor);
      seeOther(reply, `/console/admin/uscc-allowlist?added=${entry.uscc}`);
      return;
    } catch (error) {
      const errors =
        error instanceof Problem && error.code === 'validation-failed'
          ? { uscc: t.allowValid }
          : refusal(error, lang, null);
      return this.render(request, reply, caller, values, errors, 400, null);
    }
  }

  private async render(
    request: FastifyRequest,
    reply: FastifyReply,
    caller: Caller,
    values: Record<string, string>,
    errors: Record<string, string>,
    status: number,
    added: string | null,
  ): Promise<void> {
    const entries = await this.allowList.list();
    return this.pages.render(request, reply, 'uscc-allowlist', {
      title: (t) => t.allowTitle,
      text: REGISTRY_TEXT,
      status,
      errors,
      values,
      data: { entries, added, canAdd: caller.role === 'admin' },
    });
  }
}
