import { applyDecorators, Controller, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PageSession } from '../../access/page-session';
import { ConsoleProblemFilter } from '../console/console.filter';

/** The two portals: an enterprise's own file and defence, and an institution's lookups and integration. */
export type PortalArea = 'enterprise' | 'institution';

/**
 * A controller of portal pages under `/portal/enterprise/…` or `/portal/institution/…`: like a
 * console controller (outside the OpenAPI document, signed in from the session cookie, posts
 * only from this site, refusals and errors as pages in the console's frame), for the
 * enterprise and institution users. Each route still names its role with `@Access`, and shows
 * only the signed-in person's own enterprise or institution: anything else is the 404 page.
 */
export function PortalController(area: PortalArea, path = '') {
  return applyDecorators(
    ApiExcludeController(),
    PageSession(),
    UseFilters(ConsoleProblemFilter),
    Controller(path ? `portal/${area}/${path}` : `portal/${area}`),
  );
}
