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
import type { AccessTokenClaims } from './identity';
import { IdentityService } from './identity.service';
import { requestIdOf } from '../http/request-id';

/**
 * Every handler is protected unless marked @Public(): the bearer token must verify, its user
 * must exist and be active, and the user's role must be one the handler allows.
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
    const claims = await this.verify(request.headers.authorization);
    const identity = await this.identities.load(claims.sub);
    if (!identity || !identity.user.active) {
      throw ProblemError.unauthorized('The token belongs to no active user.');
    }
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && !roles.includes(identity.user.role)) {
      throw ProblemError.forbidden(`This needs the role ${roles.join(' or ')}.`);
    }
    if (this.reflector.getAllAndOverride<boolean>(TENANT_SCOPED_KEY, targets) && !identity.tenant) {
      throw ProblemError.forbidden('This works on a tenant’s data; your account has no tenant.');
    }
    request.caller = {
      identity,
      context: this.identities.contextOf(identity, claims.sid, requestIdOf(request)),
    };
    return true;
  }

  private async verify(header: string | undefined): Promise<AccessTokenClaims> {
    const match = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/i.exec(header ?? '');
    if (!match) throw ProblemError.unauthorized();
    try {
      return await this.tokens.verify(match[1]);
    } catch {
      throw ProblemError.unauthorized('The token is invalid or has expired.');
    }
  }
}
