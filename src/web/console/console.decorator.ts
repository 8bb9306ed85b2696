import { applyDecorators, Controller, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PageSession } from '../../access/page-session';
import { ConsoleProblemFilter } from './console.filter';

/**
 * A controller of staff pages under `/console/…`: outside the OpenAPI document, authenticated
 * from the session cookie (PageSession), and answering refusals and errors as pages
 * (ConsoleProblemFilter). Each route still says who may open it with `@Access`, which
 * docs/access.md and the access-matrix test list.
 */
export function ConsoleController(path = '') {
  return applyDecorators(
    ApiExcludeController(),
    PageSession(),
    UseFilters(ConsoleProblemFilter),
    Controller(path ? `console/${path}` : 'console'),
  );
}
