import { Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AccessRoute, routesOf } from '../../src/access/access-routes';
import { pageControllers } from '../../src/routes';

/**
 * Every API route the running app's controllers declare, in OpenAPI form (`{param}`); the web
 * pages (HTML for people, each public, kept out of the API document) aside.
 */
export function declaredRoutes(app: NestFastifyApplication): AccessRoute[] {
  const pages = new Set<unknown>(pageControllers);
  return routesOf(
    app
      .get(DiscoveryService)
      .getControllers()
      .map((wrapper) => wrapper.metatype as Type<unknown>)
      .filter((controller) => !pages.has(controller)),
  );
}
