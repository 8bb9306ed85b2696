import { Get } from '@nestjs/common';
import { Access } from '../../access/access.decorator';
import { Problem } from '../../common/problem';
import { ConsoleController } from './console.decorator';

/**
 * Any other address under /console: the console's own 404 page (ConsoleProblemFilter), inside
 * the frame, rather than the API's problem+json; a visitor without a session signs in first.
 * Registered last, and the router prefers every named route to this wildcard.
 */
@ConsoleController()
export class ConsoleNotFoundController {
  @Get('*')
  @Access('regulator', 'reviewer', 'admin')
  notFound(): never {
    throw new Problem(404, 'not-found', 'Not found', { en: 'No such console page', zh: '工作台没有这个页面' });
  }
}
