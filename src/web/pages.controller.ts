import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../identity/access.decorator';
import { renderPage } from './page';

/** The public web pages (HTML, server-rendered; not part of the OpenAPI document). */
@ApiExcludeController()
@Access('public')
@Controller()
export class PagesController {
  @Get()
  home(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return renderPage(request, reply, 'home', (t) => t.homeTitle, { q: '' });
  }
}
