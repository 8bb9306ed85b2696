import { Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../../access/access.decorator';
import { Caller, CurrentCaller } from '../../access/caller';
import { CalendarService } from '../../blacklist/calendar.service';
import { SetCalendarDayDto } from '../../blacklist/dto/calendar.dto';
import { AcceptsForm } from '../../common/body-limit';
import { DEPARTMENT_KINDS } from '../../identity/department.entity';
import { DepartmentsService } from '../../identity/departments.service';
import { CreateDepartmentDto, MergeDepartmentDto, UpdateDepartmentDto } from '../../identity/dto/department.dto';
import { ADMIN_TEXT } from './admin.text';
import { refusal } from './admin-shared';
import { langOf, param, seeOther } from './page-params';
import { ConsoleController } from './console.decorator';
import { ConsolePages, FormShown } from './console-pages';
import { checkForm, filled, formFields, readForm, required } from './forms';

const MONTH = /^(\d{4})-(\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Today's month in Beijing time, as `YYYY-MM`. */
function thisMonth(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 7);
}

/** The month `delta` months from `month` (`YYYY-MM`). */
function shift(month: string, delta: number): string {
  const [y, m] = month.split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 1 + delta, 1));
  return d.toISOString().slice(0, 7);
}

/**
 * 系统管理: the index of its sections, the departments (rename, merge after a confirmation) and
 * the working calendar (a month's days; list a weekday as a holiday or a weekend day as worked,
 * or return a day to the weekend rule), through DepartmentsService and CalendarService as the API.
 */
@ConsoleController('admin')
export class ConsoleAdminSettingsController {
  constructor(
    private readonly pages: ConsolePages,
    private readonly departments: DepartmentsService,
    private readonly calendar: CalendarService,
  ) {}

  @Get()
  @Access('admin')
  index(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.pages.render(request, reply, 'admin-index', { title: (t) => t.adminTitle, text: ADMIN_TEXT });
  }

  @Get('departments')
  @Access('admin')
  async departmentsPage(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query() query: unknown,
  ): Promise<void> {
    const done = param(query, 'done');
    return this.renderDepartments(request, reply, {
      done:
        done === 'renamed'
          ? { key: 'renamed' }
          : done === 'created'
            ? { key: 'departmentCreated' }
            : done === 'merged'
              ? { key: 'merged', users: param(query, 'users'), institutions: param(query, 'institutions') }
              : null,
    });
  }

  /** Registers a department (POST /api/v1/departments): its code, names and kind. */
  @Post('departments')
  @AcceptsForm()
  @Access('admin')
  async createDepartment(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const names = ['code', 'nameZh', 'nameEn', 'kind'] as const;
    const { values, checked, lang } = await readForm(request, CreateDepartmentDto, names);
    if (!checked.ok)
      return this.renderDepartments(request, reply, { creating: true, errors: checked.errors, values, status: 400 });
    try {
      await this.departments.create(checked.value, caller.actor);
    } catch (error) {
      const errors = refusal(error, lang);
      return this.renderDepartments(request, reply, { creating: true, errors, values, status: 400 });
    }
    seeOther(reply, '/console/admin/departments?done=created');
  }

  @Post('departments/:code')
  @AcceptsForm()
  @Access('admin')
  async rename(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('code') code: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const { values, checked, lang } = await readForm(request, UpdateDepartmentDto, ['nameZh', 'nameEn']);
    if (!checked.ok)
      return this.renderDepartments(request, reply, { editing: code, errors: checked.errors, values, status: 400 });
    if (checked.ok && !values.nameZh.trim() && !values.nameEn.trim()) {
      const errors = { nameZh: required(lang) };
      return this.renderDepartments(request, reply, { editing: code, errors, values, status: 400 });
    }
    try {
      await this.departments.update(code, checked.value, caller.actor);
    } catch (error) {
      return this.renderDepartments(request, reply, {
        editing: code,
        errors: refusal(error, lang),
        values,
        status: 400,
      });
    }
    seeOther(reply, '/console/admin/departments?done=renamed');
  }

  /** Merges a department into its successor: the first post asks to confirm, the second (confirmed=yes) does it. */
  @Post('departments/:code/merge')
  @AcceptsForm()
  @Access('admin')
  async merge(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('code') code: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const { values, checked, fields, lang } = await readForm(request, MergeDepartmentDto, ['successorCode']);
    if (!checked.ok)
      return this.renderDepartments(request, reply, { merging: code, errors: checked.errors, values, status: 400 });
    if (fields.confirmed !== 'yes')
      return this.renderDepartments(request, reply, { merging: code, confirm: true, values });
    try {
      const result = await this.departments.merge(code, checked.value.successorCode, caller.actor);
      seeOther(
        reply,
        `/console/admin/departments?done=merged&users=${result.usersMoved}&institutions=${result.institutionsMoved}`,
      );
    } catch (error) {
      return this.renderDepartments(request, reply, {
        merging: code,
        errors: refusal(error, lang),
        values,
        status: 400,
      });
    }
  }

  @Get('calendar')
  @Access('admin')
  async calendarPage(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query() query: unknown,
  ): Promise<void> {
    const done = param(query, 'done');
    const date = param(query, 'date');
    return this.renderCalendar(request, reply, {
      month: param(query, 'month'),
      done: (done === 'set' || done === 'removed') && DATE.test(date) ? { key: done, date } : null,
    });
  }

  @Post('calendar')
  @AcceptsForm()
  @Access('admin')
  async setDay(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const fields = formFields(request);
    const lang = langOf(request);
    const t = ADMIN_TEXT[lang];
    const values = { date: fields.date ?? '', kind: fields.kind ?? '', name: fields.name ?? '' };
    const month = MONTH.test(values.date.slice(0, 7)) ? values.date.slice(0, 7) : '';
    const errors: Record<string, string> = {};
    const valid = DATE.test(values.date) && new Date(`${values.date}T00:00:00Z`).toISOString().startsWith(values.date);
    if (!values.date.trim()) errors.date = required(lang);
    else if (!valid) errors.date = lang === 'zh' ? '日期格式应为 YYYY-MM-DD' : 'a date as YYYY-MM-DD';
    const input = {
      ...(values.kind === 'holiday' ? { working: false } : values.kind === 'makeup' ? { working: true } : {}),
      ...filled(fields, ['name']),
    };
    const checked = await checkForm(SetCalendarDayDto, input, lang);
    if (!checked.ok) {
      if (checked.errors.working) errors.kind = lang === 'zh' ? '请从列表中选择一项' : 'choose one of the list';
      if (checked.errors.name) errors.name = checked.errors.name;
    }
    if (!checked.ok || Object.keys(errors).length)
      return this.renderCalendar(request, reply, { month, errors, values, status: 400 });
    try {
      await this.calendar.set(values.date, checked.value, caller.actor);
    } catch (error) {
      const refused = refusal(error, lang, { working: 'kind' });
      if (refused.kind)
        refused.kind = (checked.value.working ? t.weekdayOnlyHoliday : t.weekendOnlyWorking).replace(
          '{date}',
          values.date,
        );
      return this.renderCalendar(request, reply, { month, errors: refused, values, status: 400 });
    }
    seeOther(reply, `/console/admin/calendar?month=${month}&done=set&date=${values.date}`);
  }

  @Post('calendar/:date/remove')
  @AcceptsForm()
  @Access('admin')
  async removeDay(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('date') date: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    await this.calendar.remove(date, caller.actor);
    seeOther(reply, `/console/admin/calendar?month=${date.slice(0, 7)}&done=removed&date=${date}`);
  }

  private async renderDepartments(
    request: FastifyRequest,
    reply: FastifyReply,
    options: {
      done?: Record<string, string> | null;
      /** The new department's form came back with errors. */
      creating?: boolean;
      editing?: string;
      merging?: string;
      confirm?: boolean;
    } & FormShown,
  ): Promise<void> {
    const departments = await this.departments.list();
    return this.pages.render(request, reply, 'admin-departments', {
      title: (t) => t.departmentsTitle,
      text: ADMIN_TEXT,
      status: options.status,
      errors: options.errors,
      values: options.values,
      data: (c) => ({
        departments,
        done: options.done ?? null,
        creating: options.creating ?? false,
        kinds: DEPARTMENT_KINDS.map((kind) => ({
          value: kind,
          text: c.t[kind === 'tax' ? 'kind_tax_dept' : `kind_${kind}`],
        })),
        editing: options.editing ?? null,
        merging: options.merging ?? null,
        confirm: options.confirm ?? false,
        kindName: (kind: string) => c.t[kind === 'tax' ? 'kind_tax_dept' : `kind_${kind}`] ?? kind,
        successors: (d: { code: string; kind: string }) => [
          { value: '', text: c.t.choose },
          ...departments
            .filter((s) => s.code !== d.code && !s.successorCode && s.kind === d.kind)
            .map((s) => ({ value: s.code, text: `${s.code} ${c.lang === 'zh' ? s.nameZh : s.nameEn}` })),
        ],
      }),
    });
  }

  private async renderCalendar(
    request: FastifyRequest,
    reply: FastifyReply,
    options: {
      month: string;
      done?: { key: string; date: string } | null;
    } & FormShown,
  ): Promise<void> {
    const match = MONTH.exec(options.month);
    const month =
      match && +match[1] >= 2000 && +match[1] <= 2100 && +match[2] >= 1 && +match[2] <= 12
        ? options.month
        : thisMonth();
    const [year, m] = month.split('-').map(Number);
    const listed = new Map((await this.calendar.list({ year })).map((d) => [d.date, d]));
    const length = new Date(Date.UTC(year, m, 0)).getUTCDate();
    const days = Array.from({ length }, (_, i) => {
      const date = `${month}-${String(i + 1).padStart(2, '0')}`;
      const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
      const entry = listed.get(date);
      const kind = entry
        ? entry.working
          ? 'makeup'
          : 'holiday'
        : weekday === 0 || weekday === 6
          ? 'weekend'
          : 'workday';
      return { date, day: i + 1, weekday, kind, name: entry?.name ?? null, listed: !!entry };
    });
    // Weeks from Monday, padded with empty cells.
    const lead = (days[0].weekday + 6) % 7;
    const cells = [...Array.from({ length: lead }, () => null), ...days];
    const weeks = Array.from({ length: Math.ceil(cells.length / 7) }, (_, w) => cells.slice(w * 7, w * 7 + 7));
    return this.pages.render(request, reply, 'admin-calendar', {
      title: (t) => t.calendarTitle,
      text: ADMIN_TEXT,
      status: options.status,
      errors: options.errors,
      values: options.values,
      data: (c) => ({
        month,
        previous: shift(month, -1),
        next: shift(month, 1),
        days,
        weeks,
        done: options.done ?? null,
        kinds: [
          { value: '', text: c.t.choose },
          { value: 'holiday', text: c.t.holiday },
          { value: 'makeup', text: c.t.makeup },
        ],
      }),
    });
  }
}
