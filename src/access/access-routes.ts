import { RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ACCESS_METADATA, AccessGrant } from './access.decorator';
import { PAGE_SESSION_METADATA } from './page-session';

export interface AccessRoute {
  method: string;
  /** OpenAPI form: `/api/v1/enterprises/{uscc}`. */
  path: string;
  grants: AccessGrant[];
  /** A staff page: signed in by the session cookie, not by a header (PageSession). */
  page?: true;
}

/** The routes of these controllers with their @Access grants, from the decorators' metadata. */
export function routesOf(controllers: Type<unknown>[]): AccessRoute[] {
  const routes: AccessRoute[] = [];
  for (const controller of controllers) {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const path = Reflect.getMetadata(PATH_METADATA, handler);
      if (path === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      const full = `/${[base, String(path)].filter((p) => p && p !== '/').join('/')}`.replace(/\/+/g, '/');
      const grants = (Reflect.getMetadata(ACCESS_METADATA, handler) ??
        Reflect.getMetadata(ACCESS_METADATA, controller) ??
        []) as AccessGrant[];
      const page =
        (Reflect.getMetadata(PAGE_SESSION_METADATA, handler) ??
          Reflect.getMetadata(PAGE_SESSION_METADATA, controller)) === true;
      routes.push({ method, path: full.replace(/:(\w+)/g, '{$1}'), grants, ...(page ? { page } : {}) });
    }
  }
  return routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}
