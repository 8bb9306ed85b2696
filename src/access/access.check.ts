import { Injectable, OnApplicationBootstrap, Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { routesOf } from './access-routes';

/** Refuses to start when any route lacks an @Access declaration. */
@Injectable()
export class AccessCheck implements OnApplicationBootstrap {
  constructor(private readonly discovery: DiscoveryService) {}

  onApplicationBootstrap(): void {
    const controllers = this.discovery.getControllers().map((wrapper) => wrapper.metatype as Type<unknown>);
    const missing = routesOf(controllers).filter((route) => route.grants.length === 0);
    if (missing.length) {
      throw new Error(
        `Routes without an @Access(...) declaration: ${missing.map((r) => `${r.method} ${r.path}`).join(', ')}`,
      );
    }
  }
}
