import { Get, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access, AuthenticatedRequest } from '../../access/access.decorator';
import { UserPrincipal } from '../../access/principal';
import { BlacklistReads } from '../../blacklist/blacklist-reads.repository';
import { ConsoleController } from './console.decorator';
import { ConsolePages } from './console-pages';
import { TODO_TEXT } from './todo.text';
import { MAX_TODO_ITEMS, TodoService } from './todo.service';

/** The console's home: what waits on the person signed in, the soonest deadline first. */
@ConsoleController()
export class ConsoleTodoController {
  constructor(
    private readonly pages: ConsolePages,
    private readonly todo: TodoService,
    private readonly blacklist: BlacklistReads,
  ) {}

  @Get()
  @Access('regulator', 'reviewer', 'admin')
  async home(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const [items, reasons] = await Promise.all([
      this.todo.items((request as AuthenticatedRequest).principal as UserPrincipal),
      this.blacklist.reasons(),
    ]);
    return this.pages.render(request, reply, 'todo', {
      title: (t) => t.todoTitle,
      text: TODO_TEXT,
      data: { items, limit: MAX_TODO_ITEMS, reasons: new Map(reasons.map((r) => [r.code, r])) },
    });
  }
}
