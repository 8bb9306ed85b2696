import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';

/** A route's own body limit in bytes, above the app-wide 1 MiB: for the few routes that take large lists. */
export const BodyLimit = (bytes: number) => RouteConfig({ bodyLimit: bytes });

/** Makes @BodyLimit work: Nest passes a route's config to Fastify, and this hook turns it into the route's limit. */
export function applyRouteBodyLimits(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route) => {
    const limit = (route.config as { bodyLimit?: unknown } | undefined)?.bodyLimit;
    if (typeof limit === 'number') route.bodyLimit = limit;
  });
}
