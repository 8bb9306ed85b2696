import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { JsonLimits } from './request-input';

/** What a route says about its body, in its Fastify route config. */
interface BodyConfig {
  bodyLimit?: number;
  jsonValues?: number;
  form?: boolean;
}

/**
 * Adds to a route's Fastify config (Nest's RouteConfig replaces it whole, so two of these
 * decorators on one route would otherwise lose one another's settings).
 */
function bodyConfig(config: BodyConfig): MethodDecorator {
  return (_target, _key, descriptor) => {
    const current = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, descriptor.value as object) ?? {}) as object;
    Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { ...current, ...config }, descriptor.value as object);
  };
}

const routeBodyConfig = (request: FastifyRequest) => (request.routeOptions.config ?? {}) as BodyConfig;

/**
 * A route's own body limit in bytes, above the app-wide 1 MiB, and how many values its JSON body
 * may hold (above JSON_LIMITS.values): for the few routes that take large lists.
 */
export const BodyLimit = (bytes: number, jsonValues?: number) => bodyConfig({ bodyLimit: bytes, jsonValues });

/**
 * The route takes HTML form posts (application/x-www-form-urlencoded, within FORM_LIMITS): only
 * the pages' forms do; every other route answers such a body with 415, as to any unknown type.
 */
export const AcceptsForm = () => bodyConfig({ form: true });

/** The JSON limits a route sets with @BodyLimit, over the defaults. */
export function routeJsonLimits(request: FastifyRequest): Partial<JsonLimits> {
  const values = routeBodyConfig(request).jsonValues;
  return typeof values === 'number' ? { values } : {};
}

/** Whether the route is marked @AcceptsForm(). */
export const acceptsForm = (request: FastifyRequest): boolean => routeBodyConfig(request).form === true;

/** Makes @BodyLimit work: Nest passes a route's config to Fastify, and this hook turns it into the route's limit. */
export function applyRouteBodyLimits(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route) => {
    const limit = (route.config as BodyConfig | undefined)?.bodyLimit;
    if (typeof limit === 'number') route.bodyLimit = limit;
  });
}
