import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';

export interface RouteRef {
  method: string;
  path: string;
}

/** Every route the app's controllers declare, with `:param` written as OpenAPI's `{param}`. */
export function declaredRoutes(app: NestFastifyApplication): RouteRef[] {
  const discovery = app.get(DiscoveryService);
  const scanner = app.get(MetadataScanner);
  const routes: RouteRef[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as { prototype: Record<string, object> } | undefined;
    if (!controller) continue;
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    for (const name of scanner.getAllMethodNames(controller.prototype)) {
      const handler = controller.prototype[name];
      const path = Reflect.getMetadata(PATH_METADATA, handler);
      if (path === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      const full = `/${[base, String(path)].filter((p) => p && p !== '/').join('/')}`.replace(/\/+/g, '/');
      routes.push({ method: method.toLowerCase(), path: full.replace(/:(\w+)/g, '{$1}') });
    }
  }
  return routes;
}
