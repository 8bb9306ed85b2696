import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest } from './access.decorator';

/** Who did something, as the audit log records it. */
export interface Actor {
  type: 'user' | 'key' | 'system';
  id: string | null;
  /** A user name or a key's visible prefix; never a secret. */
  name: string | null;
  requestId: string | null;
}

export function systemActor(job: string): Actor {
  return { type: 'system', id: null, name: job, requestId: null };
}

/** The caller of this request as an audit actor. */
export function actorOf(request: AuthenticatedRequest): Actor {
  const principal = request.principal;
  if (!principal) return { type: 'system', id: null, name: 'anonymous', requestId: request.id };
  return principal.kind === 'user'
    ? { type: 'user', id: principal.userId, name: principal.username, requestId: request.id }
    : { type: 'key', id: principal.keyId, name: principal.prefix, requestId: request.id };
}

export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor =>
  actorOf(context.switchToHttp().getRequest<AuthenticatedRequest>()),
);
