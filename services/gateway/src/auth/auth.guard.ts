import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '@kanta/contracts';
import { ProblemError } from '@kanta/platform';
import {
  PUBLIC_KEY,
  ROLES_KEY,
  TENANT_SCOPED_KEY,
  type AuthenticatedRequest,
} from './auth.decorators';
import { AccessTokens } from './access-tokens';
import { IdentityService } from './identity.service';
import { requestIdOf } from '../http/request-id';

/**
 * Every handler is protected unless marked @Public(): the bearer token must verify, its user
 * must exist and be active, the token must be of the user's current token version (a password
 * change ends older tokens), and the user's role must be one the handler allows. The token was
 * usually verified already, before the body was read (`tokenClaims`, see bootstrap.ts).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokens,
    private readonly identities: IdentityService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    const claims =
      request.tokenClaims ?? (await this.tokens.fromHeader(request.headers.authorization));
    const identity = await this.identities.load(claims.sub);
    if (!identity || !identity.user.active) {
      throw ProblemError.unauthorized('The token belongs to no active user.');
    }
    if (claims.ver !== identity.user.tokenVersion) {
      throw ProblemError.unauthorized(
        'The token was issued before the password was changed; sign in again.',
      );
    }
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && !roles.includes(identity.user.role)) {
      throw ProblemError.forbidden(`This needs the role ${roles.join(' or ')}.`);
    }
    if (this.reflector.getAllAndOverride<boolean>(TENANT_SCOPED_KEY, targets) && !identity.tenant) {
      throw ProblemError.forbidden('This works on a tenant’s data; your account has no tenant.');
    }
    const idempotencyKey = request.headers['idempotency-key'];
    request.caller = {
      identity,
      context: this.identities.contextOf(identity, claims.sid, requestIdOf(request)),
      ...(typeof idempotencyKey === 'string' ? { idempotencyKey } : {}),
    };
    return true;
  }
}
