import { Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AccessRoute, routesOf } from '../../src/identity/access-routes';

/** Every route the running app's controllers declare, in OpenAPI form (`{param}`). */
export function declaredRoutes(app: NestFastifyApplication): AccessRoute[] {
  return routesOf(
    app
      .get(DiscoveryService)
      .getControllers()
      .map((wrapper) => wrapper.metatype as Type<unknown>),
  );
}
