import { Get, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../../access/access.decorator';
import { ConsoleController } from './console.decorator';
import { ConsolePages } from './console-pages';
import { bilingual } from './console-text';

const TEXT = bilingual({ todoTitle: '待办' }, { todoTitle: 'To do' });

/** The console's home: what waits on the person signed in. */
@ConsoleController()
export class TodoController {
  constructor(private readonly pages: ConsolePages) {}

  @Get()
  @Access('regulator', 'reviewer', 'admin')
  home(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.pages.render(request, reply, 'todo', { title: (t) => t.todoTitle, text: TEXT, data: { items: [] } });
  }
}
