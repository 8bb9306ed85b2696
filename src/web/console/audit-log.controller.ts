import { Get, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../../access/access.decorator';
import { AuditService } from '../../audit/audit.service';
import { AuditCheckpointDto, AuditQuery, AuditVerificationDto } from '../../audit/dto/audit.dto';
import { AcceptsForm } from '../../common/body-limit';
import { PageQuery } from '../../common/pagination';
import { AuditCheckpointsService } from '../../disclosure/checkpoints/audit-checkpoints.service';
import { UsersService } from '../../identity/users.service';
import { ADMIN_TEXT } from './admin.text';
import { langOf, pageParam, pagerOf, param, seeOther } from './page-params';
import { ConsoleController } from './console.decorator';
import { ConsolePages } from './console-pages';
import { checkForm } from './forms';
import { AUDIT_TEXT } from './operations.text';

const PAGE_SIZE = 30;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FILTERS = ['actor', 'action', 'entityType', 'entityId', 'from', 'to'] as const;

/** What the actions of the log mean, in Chinese and English (others show their code). */
const ACTIONS: Record<string, [string, string]> = {
  'user.create': ['新建用户', 'user created'],
  'user.update': ['修改用户', 'user changed'],
  'institution.create': ['登记机构', 'institution registered'],
  'api-key.create': ['签发接口密钥', 'API key issued'],
  'api-key.revoke': ['吊销接口密钥', 'API key revoked'],
  'department.create': ['新建部门', 'department created'],
  'department.update': ['部门更名', 'department renamed'],
  'department.merge': ['部门撤并', 'department merged'],
  'calendar.set': ['设置工作日历', 'calendar day set'],
  'calendar.remove': ['恢复常规日', 'calendar day removed'],
  'enterprise.create': ['登记企业', 'enterprise registered'],
  'enterprise.update': ['修改企业', 'enterprise changed'],
  'record.create': ['新增信用记录', 'credit record added'],
  'rule-set.draft': ['上传分类标准草案', 'rule-set draft uploaded'],
  'rule-set.activate': ['启用分类标准', 'rule set activated'],
  'classification.recompute': ['重新评级', 'grades recomputed'],
  'export.rerun': ['重新生成数据导出', 'export written again'],
  'query-log.archive': ['归档查询日志月份', 'query log month archived'],
  'report-key.generate': ['生成报告签名密钥', 'report key generated'],
  'report-key.rotate': ['轮换报告签名密钥', 'report key rotated'],
  'record.amend': ['更正信用记录', 'credit record amended'],
  'record.withdraw': ['撤回信用记录', 'credit record withdrawn'],
  'import.records': ['批量导入信用记录', 'credit records imported'],
  'import.enterprises': ['批量导入企业', 'enterprises imported'],
  'uscc-allowlist.add': ['加入代码允许名单', 'code allowed'],
  'blacklist.propose': ['提出列入黑名单', 'blacklisting proposed'],
  'blacklist.notice': ['送达列入告知', 'notice given'],
  'blacklist.object': ['提出陈述申辩', 'objection filed'],
  'blacklist.decideObjection': ['决定陈述申辩', 'objection decided'],
  'blacklist.decide': ['作出列入决定', 'listing decided'],
  'blacklist.publish': ['公示', 'published'],
  'blacklist.applyRepair': ['提出信用修复申请', 'repair applied for'],
  'blacklist.decideRepair': ['决定信用修复申请', 'repair decided'],
  'blacklist.revoke': ['撤销列入', 'listing revoked'],
  'blacklist.withdraw': ['撤回提议', 'proposal withdrawn'],
  'blacklist.expire': ['期满移出', 'listing expired'],
  'watchlist.add': ['加入关注名单', 'watched codes added'],
  'watchlist.remove': ['移出关注名单', 'watched codes removed'],
  'watchlist.replace': ['替换关注名单', 'watchlist replaced'],
  'webhook.replay': ['重放回调', 'webhook replayed'],
  'report-key.configure': ['配置报告签名密钥', 'report key configured'],
  'audit.adopt': ['接管审计链', 'audit chain adopted'],
  'demo.seed': ['写入演示数据', 'demo data seeded'],
  'webhook.create': ['新建回调', 'webhook created'],
  'webhook.delete': ['删除回调', 'webhook deleted'],
};

/** What the log's entity types are, in Chinese and English (others show their code). */
const ENTITIES: Record<string, [string, string]> = {
  user: ['用户', 'user'],
  department: ['部门', 'department'],
  institution: ['机构', 'institution'],
  'api-key': ['接口密钥', 'API key'],
  enterprise: ['企业', 'enterprise'],
  'query-log-month': ['查询日志月份', 'query log month'],
  record: ['信用记录', 'credit record'],
  import: ['批量导入', 'import'],
  blacklist_entry: ['黑名单条目', 'blacklist entry'],
  calendar_day: ['工作日历', 'calendar day'],
  classification: ['信用等级', 'grades'],
  'rule-set': ['分类标准', 'rule set'],
  'report-key': ['报告签名密钥', 'report key'],
  'uscc-allowlist': ['代码允许名单', 'code allow-list'],
  export: ['数据导出', 'export'],
  watchlist: ['关注名单', 'watchlist'],
  webhook: ['回调', 'webhook'],
  database: ['数据库', 'database'],
  'audited-table': ['审计的数据表', 'audited table'],
};

/** `2026-10-08` (Beijing) → the instant that day begins, for the API's `from`/`to`. */
const startOf = (date: string, days = 0) =>
  new Date(Date.parse(`${date}T00:00:00+08:00`) + days * 86_400_000).toISOString();

/**
 * 审计日志: the hash-chained write log filtered as GET /api/v1/audit/events filters it (the actor
 * by user name or id, the action, the entity, a range of Beijing dates), a page at a time, each
 * entry with what changed; 校验审计链, which runs AuditService.verify (GET /api/v1/audit/verify); and
 * 创建检查点 with a confirmation step (POST /api/v1/audit/checkpoints).
 */
@ConsoleController('audit')
export class ConsoleAuditLogController {
  constructor(
    private readonly pages: ConsolePages,
    private readonly audit: AuditService,
    private readonly users: UsersService,
    private readonly checkpoints: AuditCheckpointsService,
  ) {}

  @Get()
  @Access('admin')
  async log(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Query() query: unknown): Promise<void> {
    const lang = langOf(request);
    const t = ADMIN_TEXT[lang];
    const values = Object.fromEntries(FILTERS.map((f) => [f, param(query, f)])) as Record<
      (typeof FILTERS)[number],
      string
    >;
    const errors: Record<string, string> = {};
    for (const f of ['from', 'to'] as const) {
      if (values[f] && !(DATE.test(values[f]) && !Number.isNaN(Date.parse(`${values[f]}T00:00:00Z`)))) {
        errors[f] = lang === 'zh' ? '日期格式应为 YYYY-MM-DD' : 'a date as YYYY-MM-DD';
      }
    }
    let actorId: string | undefined;
    if (values.actor) {
      actorId = UUID.test(values.actor) ? values.actor : ((await this.users.idOf(values.actor)) ?? undefined);
      if (!actorId) errors.actor = t.unknownActor.replace('{name}', values.actor);
    }
    const input = {
      page: pageParam(query),
      pageSize: PAGE_SIZE,
      ...(actorId ? { actorId } : {}),
      ...(values.action ? { action: values.action } : {}),
      ...(values.entityType ? { entityType: values.entityType } : {}),
      ...(values.entityId ? { entityId: values.entityId } : {}),
      ...(values.from && !errors.from ? { from: startOf(values.from) } : {}),
      ...(values.to && !errors.to ? { to: startOf(values.to, 1) } : {}),
    };
    const checked = await checkForm(AuditQuery, input, lang);
    if (!checked.ok) Object.assign(errors, checked.errors);
    const failed = Object.keys(errors).length > 0;
    const page = failed || !checked.ok ? null : await this.audit.list(checked.value);
    const verification: AuditVerificationDto | null = param(query, 'verify') === '1' ? await this.audit.verify() : null;
    const checkpoint = await this.checkpointOf(param(query, 'checkpoint'));
    return this.pages.render(request, reply, 'audit', {
      title: (text) => text.auditTitle,
      text: AUDIT_TEXT,
      status: failed ? 400 : 200,
      errors,
      values,
      data: {
        page,
        verification,
        checkpoint,
        actionName: (action: string) => ACTIONS[action]?.[lang === 'zh' ? 0 : 1] ?? null,
        entityName: (type: string) => ENTITIES[type]?.[lang === 'zh' ? 0 : 1] ?? type,
        pager: page ? pagerOf('/console/audit', values, page) : null,
      },
    });
  }

  /** The confirmation: what a checkpoint is, the chain as it stands, one button. */
  @Get('checkpoint')
  @Access('admin')
  async checkpointPage(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const head = await this.audit.head();
    return this.pages.render(request, reply, 'audit-checkpoint', {
      title: (text) => text.checkpointTitle,
      text: AUDIT_TEXT,
      data: { head },
    });
  }

  @Post('checkpoints')
  @AcceptsForm()
  @Access('admin')
  async checkpoint(@Res() reply: FastifyReply): Promise<void> {
    const taken = await this.checkpoints.take();
    return seeOther(reply, `/console/audit?checkpoint=${taken.length}#checkpoint`);
  }

  /** The newest stored checkpoint of this chain length (the one just made), or null. */
  private async checkpointOf(raw: string): Promise<AuditCheckpointDto | null> {
    if (!/^\d{1,12}$/.test(raw)) return null;
    const page = await this.audit.checkpoints(Object.assign(new PageQuery(), { page: 1, pageSize: 20 }));
    return page.items.find((c) => c.length === Number(raw)) ?? null;
  }
}
