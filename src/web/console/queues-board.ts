import { BullAdapter } from '@bull-board/api/bullAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { BullBoardModule } from '@bull-board/nestjs';
import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessRoute } from '../../access/access-routes';
import { fromThisSite, SAFE_METHODS } from '../../access/page-session';
import { QueueName } from '../../jobs/queues';
import { loginHref, WebSession } from '../session';
import { WebModule } from '../web.module';
import { seeOther } from './page-params';

export const QUEUES_PATH = '/console/queues';

/**
 * The job queues' board at `/console/queues`, for admins. It is @bull-board's Fastify plugin,
 * not a Nest route, so the AccessGuard never sees it: QueuesBoardModule guards it with a Fastify
 * hook instead, which this declaration describes for docs/access.md and the access-matrix test.
 */
export const QUEUES_ROUTE: AccessRoute = { method: 'GET', path: QUEUES_PATH, grants: ['admin'], page: true };

const REFUSED =
  '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>无权访问</title>' +
  '<p>任务队列仅供管理员使用。<a href="/console">返回工作台</a></p></html>';

/**
 * @bull-board (the Nest module with its Fastify adapter) over every queue, so an admin sees
 * failed jobs and retries them; the board's own API (retry, clean, pause) is behind the same hook:
 * the session cookie of an admin, and a change only from this site's pages.
 */
@Module({
  imports: [
    WebModule,
    BullBoardModule.forRoot({
      route: QUEUES_PATH,
      adapter: FastifyAdapter,
      boardOptions: { uiConfig: { boardTitle: '任务队列', miscLinks: [{ text: '返回工作台', url: '/console' }] } },
    }),
    ...Object.values(QueueName).map((name) => BullBoardModule.forFeature({ name, adapter: BullAdapter })),
  ],
})
export class QueuesBoardModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly session: WebSession,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', (request, reply) => this.guard(request, reply));
  }

  private async guard(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    // The route Fastify matched, not the address as sent: the router decodes `%73` into `s`, so
    // `/console/queue%73/…` reaches the board while its raw URL does not start with the prefix.
    const route = request.routeOptions.url ?? '';
    if (route !== QUEUES_PATH && !route.startsWith(`${QUEUES_PATH}/`)) return;
    if (!SAFE_METHODS.includes(request.method) && !fromThisSite(request)) {
      return void reply.status(403).type('text/html; charset=utf-8').send(REFUSED);
    }
    const principal = await this.session.principal(request);
    if (!principal) return seeOther(reply, loginHref(request.url));
    if (principal.role !== 'admin') return void reply.status(403).type('text/html; charset=utf-8').send(REFUSED);
    void reply.header('Cache-Control', 'private, no-store');
  }
}
