import { Get } from '@nestjs/common';
import { Access } from '../../access/access.decorator';
import { Problem } from '../../common/problem';
import { PortalController } from './portal.decorator';

const NO_SUCH_PAGE = { en: 'No such page', zh: '没有这个页面' };

/**
 * Any other address under a portal: the 404 page in the portal's frame (a visitor without a
 * session signs in first). Registered after the portals' controllers; the router prefers every
 * named route to these wildcards.
 */
@PortalController('enterprise')
export class EnterprisePortalNotFoundController {
  @Get('*')
  @Access('enterprise')
  notFound(): never {
    throw new Problem(404, 'not-found', 'Not found', NO_SUCH_PAGE);
  }
}

@PortalController('institution')
export class InstitutionPortalNotFoundController {
  @Get('*')
  @Access('institution')
  notFound(): never {
    throw new Problem(404, 'not-found', 'Not found', NO_SUCH_PAGE);
  }
}
