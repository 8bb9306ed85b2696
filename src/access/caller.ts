import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest } from './access.decorator';
import { Actor, actorOf } from './actor';
import { jurisdiction, Principal, UserRole } from './principal';

/**
 * Who is calling, as a service needs to know: the audit actor, the role (null for an
 * institution's API key, `system` for a job), and what limits them: the district a district-level
 * official acts for, an enterprise user's own code, a regulator's department, an institution.
 */
export interface Caller {
  actor: Actor;
  role: UserRole | 'system' | null;
  userId: string | null;
  /** The district a regulator or reviewer is limited to; null when city-wide. */
  jurisdiction: string | null;
  /** An enterprise user's own credit code. */
  uscc: string | null;
  departmentCode: string | null;
  institutionId: string | null;
}

/** A caller with no role, user, limit or binding: what each kind of caller starts from. */
const UNBOUND = {
  role: null,
  userId: null,
  jurisdiction: null,
  uscc: null,
  departmentCode: null,
  institutionId: null,
} as const satisfies Omit<Caller, 'actor'>;

/** The caller behind a principal (none on a public route), with the request's actor. */
export function callerOf(principal: Principal | undefined, actor: Actor): Caller {
  if (!principal) return { actor, ...UNBOUND };
  if (principal.kind === 'key') {
    return { actor, ...UNBOUND, departmentCode: principal.departmentCode, institutionId: principal.institutionId };
  }
  return {
    actor,
    role: principal.role,
    userId: principal.userId,
    jurisdiction: jurisdiction(principal),
    uscc: principal.uscc,
    departmentCode: principal.departmentCode,
    institutionId: principal.institutionId,
  };
}

/** A scheduled job acting on its own behalf. */
export function systemCaller(actor: Actor): Caller {
  return { actor, ...UNBOUND, role: 'system' };
}

/** The caller of this request, from the principal the access guard established. */
export const CurrentCaller = createParamDecorator((_: unknown, context: ExecutionContext): Caller => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  return callerOf(request.principal, actorOf(request));
});
