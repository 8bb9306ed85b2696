import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { normaliseUscc } from '../common/uscc';
import { Problem } from '../common/problem';
import { ACCESS_METADATA, AccessGrant, AuthenticatedRequest } from './access.decorator';
import { Principal } from './principal';
import { TokenService } from './token.service';

/** Decides every request from the route's @Access grants; runs before validation. */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const grants = this.reflector.getAllAndOverride<AccessGrant[] | undefined>(ACCESS_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    // AccessCheck refuses to start without a grant on every route; this is the second lock.
    if (!grants) throw Problem.forbidden('This route declares no access rule');
    if (grants.includes('public') || grants.includes('internal')) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = await this.authenticate(request);
    if (!allows(grants, principal, request.params as Record<string, string | undefined>)) {
      throw Problem.forbidden(`This route is for: ${grants.join(', ')}`);
    }
    request.principal = principal;
    return true;
  }

  private async authenticate(request: AuthenticatedRequest): Promise<Principal> {
    const header = request.headers.authorization;
    if (!header) throw Problem.unauthorized('Log in and send "Authorization: Bearer <token>"');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const principal = match ? await this.tokens.verify(match[1]) : null;
    if (!principal) throw Problem.unauthorized('The access token is invalid or has expired; log in again');
    return principal;
  }
}

/** Pure: whether `principal` holds one of `grants` for a request with these route params. */
export function allows(
  grants: AccessGrant[],
  principal: Principal,
  params: Record<string, string | undefined>,
): boolean {
  return grants.some((grant) => {
    if (grant === 'enterprise:own') {
      return principal.role === 'enterprise' && !!params.uscc && principal.uscc === normaliseUscc(params.uscc);
    }
    return grant === principal.role;
  });
}
