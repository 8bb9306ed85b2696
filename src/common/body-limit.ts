import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { JsonLimits } from './request-input';

/**
 * A route's own body limit in bytes, above the app-wide 1 MiB, and how many values its JSON body
 * may hold (above JSON_LIMITS.values): for the few routes that take large lists.
 */
export const BodyLimit = (bytes: number, jsonValues?: number) => RouteConfig({ bodyLimit: bytes, jsonValues });

/** The JSON limits a route sets with @BodyLimit, over the defaults. */
export function routeJsonLimits(request: FastifyRequest): Partial<JsonLimits> {
  const values = (request.routeOptions.config as { jsonValues?: unknown } | undefined)?.jsonValues;
  return typeof values === 'number' ? { values } : {};
}

/** Makes @BodyLimit work: Nest passes a route's config to Fastify, and this hook turns it into the route's limit. */
export function applyRouteBodyLimits(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route) => {
    const limit = (route.config as { bodyLimit?: unknown } | undefined)?.bodyLimit;
    if (typeof limit === 'number') route.bodyLimit = limit;
  });
}
