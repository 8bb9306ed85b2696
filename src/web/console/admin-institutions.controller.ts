import { Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../../access/access.decorator';
import { Caller, CurrentCaller } from '../../access/caller';
import { AcceptsForm } from '../../common/body-limit';
import { uuidId } from '../../common/validation';
import { ApiKeysService } from '../../identity/api-keys.service';
import { DepartmentsService } from '../../identity/departments.service';
import { CreateInstitutionDto, InstitutionDto } from '../../identity/dto/institution.dto';
import { INSTITUTION_KINDS } from '../../identity/institution.entity';
import { InstitutionsService } from '../../identity/institutions.service';
import { ADMIN_TEXT } from './admin.text';
import { refusal } from './admin-shared';
import { keyOfInstitution, KeysPageState, keysView, NEW_KEY, readKeyForm } from './api-key-pages';
import { langOf, param, seeOther } from './page-params';
import { ConsoleController } from './console.decorator';
import { ConsolePages } from './console-pages';
import { checkForm, filled, formFields } from './forms';

const DONE = ['created', 'revoked'] as const;

/** The institution's page (where a new key's cookie is limited to). */
const pathOf = (id: string) => `/console/admin/institutions/${id}`;

/**
 * 系统管理 › 金融税务机构: the institutions (list, register) and each one's API keys. A key just
 * issued is shown once, on the page the issuing redirects to, with a warning; it reaches that
 * page in a short-lived cookie limited to it, which that page clears, so a reload shows only the
 * prefix. Revoking asks to confirm first. The services are the API's (InstitutionsService, ApiKeysService).
 */
@ConsoleController('admin/institutions')
export class ConsoleAdminInstitutionsController {
  constructor(
    private readonly pages: ConsolePages,
    private readonly institutions: InstitutionsService,
    private readonly keys: ApiKeysService,
    private readonly departments: DepartmentsService,
  ) {}

  @Get()
  @Access('admin')
  list(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.renderList(request, reply, {}, {}, 200);
  }

  @Post()
  @AcceptsForm()
  @Access('admin')
  async create(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const fields = formFields(request);
    const lang = langOf(request);
    const checked = await checkForm(CreateInstitutionDto, filled(fields, ['name', 'kind', 'departmentCode']), lang);
    if (!checked.ok) return this.renderList(request, reply, fields, checked.errors, 400);
    let created: InstitutionDto;
    try {
      created = await this.institutions.create(checked.value, caller.actor);
    } catch (error) {
      return this.renderList(request, reply, fields, refusal(error, lang), 400);
    }
    seeOther(reply, `${pathOf(created.id)}?done=created`);
  }

  @Get(':id')
  @Access('admin')
  async show(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id', uuidId) id: string,
    @Query() query: unknown,
  ): Promise<void> {
    const done = param(query, 'done');
    return this.renderInstitution(request, reply, id, {
      done: (DONE as readonly string[]).includes(done) ? done : null,
      newKey: NEW_KEY.take(request, reply, pathOf(id)),
    });
  }

  @Post(':id/api-keys')
  @AcceptsForm()
  @Access('admin')
  async createKey(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id', uuidId) id: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const form = await readKeyForm(request, langOf(request), true);
    if (!form.ok) return this.renderInstitution(request, reply, id, { ...form, status: 400 });
    const created = await this.keys.create(id, form.value, caller.actor);
    NEW_KEY.carry(request, reply, pathOf(id), created.key);
    seeOther(reply, pathOf(id));
  }

  /** Revokes a key of this institution: the first post asks to confirm, the second (confirmed=yes) does it. */
  @Post(':id/api-keys/:keyId/revoke')
  @AcceptsForm()
  @Access('admin')
  async revoke(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id', uuidId) id: string,
    @Param('keyId', uuidId) keyId: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    await keyOfInstitution(this.keys, id, keyId);
    if (formFields(request).confirmed !== 'yes') return this.renderInstitution(request, reply, id, { confirm: keyId });
    try {
      await this.keys.revoke(keyId, caller.actor);
    } catch (error) {
      return this.renderInstitution(request, reply, id, { errors: refusal(error, langOf(request)), status: 409 });
    }
    seeOther(reply, `${pathOf(id)}?done=revoked`);
  }

  private async renderInstitution(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    options: KeysPageState,
  ): Promise<void> {
    const [institution, keys] = await Promise.all([this.institutions.get(id), this.keys.list(id)]);
    return this.pages.render(request, reply, 'admin-institution', {
      title: () => institution.name,
      text: ADMIN_TEXT,
      status: options.status,
      errors: options.errors,
      values: options.values,
      data: (c) => ({
        institution,
        done: options.done ?? null,
        ...keysView(keys, c.t, { ...options, base: `${pathOf(id)}/api-keys`, home: pathOf(id), withRateLimit: true }),
      }),
    });
  }

  private async renderList(
    request: FastifyRequest,
    reply: FastifyReply,
    values: Record<string, string>,
    errors: Record<string, string>,
    status: number,
  ): Promise<void> {
    const [institutions, departments] = await Promise.all([this.institutions.list(), this.departments.list()]);
    return this.pages.render(request, reply, 'admin-institutions', {
      title: (t) => t.institutionsTitle,
      text: ADMIN_TEXT,
      status,
      errors,
      values,
      data: (c) => ({
        institutions,
        kinds: [
          { value: '', text: c.t.choose },
          ...INSTITUTION_KINDS.map((k) => ({ value: k, text: c.t[`kind_${k}`] })),
        ],
        departments: [
          { value: '', text: c.t.choose },
          ...departments
            .filter((d) => !d.successorCode && (d.kind === 'finance' || d.kind === 'tax'))
            .map((d) => ({ value: d.code, text: `${d.code} ${c.lang === 'zh' ? d.nameZh : d.nameEn}` })),
        ],
      }),
    });
  }
}
