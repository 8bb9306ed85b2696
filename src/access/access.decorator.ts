import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtension,
  ApiForbiddenResponse,
  ApiSecurity,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiScope, Principal, USER_ROLES, UserRole } from './principal';

/**
 * Who may call a route:
 * - `public`: anyone, no credentials;
 * - `login`: anyone, no credentials; limited by the route's own LoginThrottle rather than the
 *   public rate limit, so that logins go on (throttled per process) while Redis is out;
 * - `internal`: no credentials and no rate limit, meant for the internal network (health probes);
 * - `metrics`: no rate limit; the route checks `Authorization: Bearer $METRICS_TOKEN` itself and
 *   answers 404 without it (/metrics, which both roles serve, also where this guard does not run);
 * - a user role (`admin`, `regulator`, …);
 * - `enterprise:own`: an enterprise user whose code is the route's `:uscc` parameter;
 * - `scope:<scope>`: an institution API key holding that scope.
 */
export type AccessGrant =
  'public' | 'login' | 'internal' | 'metrics' | UserRole | 'enterprise:own' | `scope:${ApiScope}`;

export const ACCESS_METADATA = 'qc:access';

/** Grants that need no credentials: `public` (rate limited per address), `login` (its own throttle), `internal`, `metrics` (its own guard). */
const OPEN_GRANTS: readonly AccessGrant[] = ['public', 'login', 'internal', 'metrics'];
export const isOpen = (grants: readonly AccessGrant[]): boolean => grants.some((g) => OPEN_GRANTS.includes(g));

/**
 * The one decorator that says who may call a route. Every route must carry it: the app refuses
 * to start otherwise (AccessCheck). It also writes `x-access` into the OpenAPI document, from
 * which `docs/access.md` and the access-matrix test are generated.
 */
export function Access(...grants: [AccessGrant, ...AccessGrant[]]) {
  const decorators = [SetMetadata(ACCESS_METADATA, grants), ApiExtension('x-access', grants)];
  if (!isOpen(grants)) {
    if (grants.some((g) => (USER_ROLES as readonly string[]).includes(g) || g === 'enterprise:own')) {
      decorators.push(ApiBearerAuth());
    }
    if (grants.some((g) => g.startsWith('scope:'))) decorators.push(ApiSecurity('apiKey'));
    decorators.push(
      ApiUnauthorizedResponse({ description: 'no or invalid credentials' }),
      ApiForbiddenResponse({ description: `allowed: ${grants.join(', ')}` }),
    );
  }
  return applyDecorators(...decorators);
}

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/** The caller established by the access guard (undefined on public routes). */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<AuthenticatedRequest>().principal,
);
