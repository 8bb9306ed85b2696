import { Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../../access/access.decorator';
import { Caller, CurrentCaller } from '../../access/caller';
import { USER_ROLES } from '../../access/principal';
import { AcceptsForm } from '../../common/body-limit';
import { uuidId } from '../../common/validation';
import { DepartmentsService } from '../../identity/departments.service';
import { CreateUserDto, ListUsersQuery, UpdateUserDto, UserDto } from '../../identity/dto/user.dto';
import { InstitutionsService } from '../../identity/institutions.service';
import { UsersService } from '../../identity/users.service';
import { ADMIN_TEXT } from './admin.text';
import { refusal } from './admin-shared';
import { langOf, pageParam, pagerOf, param, seeOther } from './page-params';
import { ConsoleController } from './console.decorator';
import { ConsolePages, FormShown } from './console-pages';
import { checkForm, filled, formFields } from './forms';

const PAGE_SIZE = 30;
const CREATE_FIELDS = ['username', 'password', 'role', 'departmentCode', 'districtCode', 'institutionId', 'uscc'];
/** What a change posted on a user's page did, for the notice after the redirect. */
const DONE = ['created', 'disabled', 'enabled', 'password', 'bound'] as const;

/**
 * 系统管理 › 用户: the list by role, a new user (the API's CreateUserDto), and each user's page
 * where an administrator disables or re-enables the account (after a confirmation), resets the
 * password, or binds an enterprise user to another code: all through UsersService, as
 * POST/PATCH /api/v1/users do.
 */
@ConsoleController('admin/users')
export class ConsoleAdminUsersController {
  constructor(
    private readonly pages: ConsolePages,
    private readonly users: UsersService,
    private readonly departments: DepartmentsService,
    private readonly institutions: InstitutionsService,
  ) {}

  @Get()
  @Access('admin')
  async list(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Query() query: unknown): Promise<void> {
    const role = param(query, 'role');
    const filter = Object.assign(new ListUsersQuery(), {
      page: pageParam(query),
      pageSize: PAGE_SIZE,
      ...((USER_ROLES as readonly string[]).includes(role) ? { role } : {}),
    });
    const page = await this.users.list(filter);
    return this.pages.render(request, reply, 'admin-users', {
      title: (t) => t.usersTitle,
      text: ADMIN_TEXT,
      data: (c) => ({
        page,
        role: filter.role ?? '',
        roles: USER_ROLES.map((r) => ({ value: r, text: c.t[`role_${r}`] })),
        pager: pagerOf('/console/admin/users', { role: filter.role }, page),
      }),
    });
  }

  @Get('new')
  @Access('admin')
  async form(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.renderForm(request, reply, {}, {}, 200);
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
    const checked = await checkForm(CreateUserDto, filled(fields, CREATE_FIELDS), lang);
    if (!checked.ok) {
      // The pattern checks say what the pattern is, rather than only that it failed.
      const t = ADMIN_TEXT[lang];
      const errors = { ...checked.errors };
      if (errors.username && fields.username?.trim()) errors.username = t.usernameFormat;
      if (errors.districtCode) errors.districtCode = t.districtFormat;
      return this.renderForm(request, reply, fields, errors, 400);
    }
    let created: UserDto;
    try {
      created = await this.users.create(checked.value, caller.actor);
    } catch (error) {
      return this.renderForm(request, reply, fields, refusal(error, lang), 400);
    }
    seeOther(reply, `/console/admin/users/${created.id}?done=created`);
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
    return this.renderUser(request, reply, await this.users.get(id), {
      done: (DONE as readonly string[]).includes(done) ? done : null,
    });
  }

  /** Disables or re-enables the account: the first post asks to confirm, the second (confirmed=yes) does it. */
  @Post(':id/status')
  @AcceptsForm()
  @Access('admin')
  async status(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id', uuidId) id: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const fields = formFields(request);
    const disabled = fields.disabled === 'true';
    const user = await this.users.get(id);
    if (fields.confirmed !== 'yes')
      return this.renderUser(request, reply, user, { confirm: disabled ? 'disable' : 'enable' });
    return this.change(request, reply, user, { disabled }, caller, disabled ? 'disabled' : 'enabled');
  }

  @Post(':id/password')
  @AcceptsForm()
  @Access('admin')
  async password(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id', uuidId) id: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const fields = formFields(request);
    return this.change(
      request,
      reply,
      await this.users.get(id),
      { password: fields.password ?? '' },
      caller,
      'password',
    );
  }

  @Post(':id/enterprise')
  @AcceptsForm()
  @Access('admin')
  async bind(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id', uuidId) id: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const fields = formFields(request);
    return this.change(request, reply, await this.users.get(id), { uscc: fields.uscc ?? '' }, caller, 'bound');
  }

  /** One change through UsersService.update (PATCH /api/v1/users/{id}); errors beside the field posted. */
  private async change(
    request: FastifyRequest,
    reply: FastifyReply,
    user: UserDto,
    input: Record<string, unknown>,
    caller: Caller,
    done: (typeof DONE)[number],
  ): Promise<void> {
    const lang = langOf(request);
    const values = Object.fromEntries(Object.entries(input).map(([k, v]) => [k, k === 'password' ? '' : String(v)]));
    const checked = await checkForm(UpdateUserDto, input, lang);
    if (!checked.ok) return this.renderUser(request, reply, user, { errors: checked.errors, values, status: 400 });
    try {
      await this.users.update(user.id, checked.value, caller.actor);
    } catch (error) {
      return this.renderUser(request, reply, user, { errors: refusal(error, lang), values, status: 400 });
    }
    seeOther(reply, `/console/admin/users/${user.id}?done=${done}`);
  }

  private async renderUser(
    request: FastifyRequest,
    reply: FastifyReply,
    user: UserDto,
    options: {
      done?: string | null;
      confirm?: 'disable' | 'enable';
    } & FormShown,
  ): Promise<void> {
    const institution = user.institutionId ? await this.institutions.get(user.institutionId).catch(() => null) : null;
    return this.pages.render(request, reply, 'admin-user', {
      title: (t) => t.userTitle.replace('{name}', user.username),
      text: ADMIN_TEXT,
      status: options.status,
      errors: options.errors,
      values: options.values,
      data: { user, institution, done: options.done ?? null, confirm: options.confirm ?? null },
    });
  }

  private async renderForm(
    request: FastifyRequest,
    reply: FastifyReply,
    values: Record<string, string>,
    errors: Record<string, string>,
    status: number,
  ): Promise<void> {
    const [departments, institutions] = await Promise.all([this.departments.list(), this.institutions.list()]);
    return this.pages.render(request, reply, 'admin-user-new', {
      title: (t) => t.newUserTitle,
      text: ADMIN_TEXT,
      status,
      errors,
      values: { ...values, password: '' },
      data: (c) => ({
        roles: [{ value: '', text: c.t.choose }, ...USER_ROLES.map((r) => ({ value: r, text: c.t[`role_${r}`] }))],
        departments: [
          { value: '', text: c.t.choose },
          ...departments
            .filter((d) => !d.successorCode && d.kind === 'regulator')
            .map((d) => ({ value: d.code, text: `${d.code} ${c.lang === 'zh' ? d.nameZh : d.nameEn}` })),
        ],
        institutions: [{ value: '', text: c.t.choose }, ...institutions.map((i) => ({ value: i.id, text: i.name }))],
      }),
    });
  }
}
