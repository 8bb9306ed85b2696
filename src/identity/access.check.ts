import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ACCESS_METADATA } from './access.decorator';

/** Refuses to start when any route lacks an @Access declaration. */
@Injectable()
export class AccessCheck implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onApplicationBootstrap(): void {
    const missing = undeclaredRoutes(this.discovery, this.scanner);
    if (missing.length) {
      throw new Error(`Routes without an @Access(...) declaration: ${missing.join(', ')}`);
    }
  }
}

export function undeclaredRoutes(discovery: DiscoveryService, scanner: MetadataScanner): string[] {
  const missing: string[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as (new (...args: never[]) => object) | undefined;
    if (!controller) continue;
    const prototype = controller.prototype as Record<string, unknown>;
    for (const method of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[method] as object;
      if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      if (!Reflect.getMetadata(ACCESS_METADATA, handler) && !Reflect.getMetadata(ACCESS_METADATA, controller)) {
        missing.push(`${controller.name}.${method}`);
      }
    }
  }
  return missing;
}
