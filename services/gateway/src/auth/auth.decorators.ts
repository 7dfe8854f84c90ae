import {
  applyDecorators,
  SetMetadata,
  createParamDecorator,
  type ExecutionContext,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { CallerContext, Role } from '@kanta/contracts';
import { ApiProblems } from '../http/api-problems';
import { NoTokenBeforeBody } from '../http/route-edge';
import type { AccessTokenClaims, Identity } from './identity';

export const PUBLIC_KEY = 'kanta:public';
export const ROLES_KEY = 'kanta:roles';
export const TENANT_SCOPED_KEY = 'kanta:tenant-scoped';

/**
 * The handler needs no token (login, health): neither the guard nor the check before the body
 * asks for one. On handlers only: the check before the body is per route.
 */
export const Public = (): MethodDecorator =>
  applyDecorators(SetMetadata(PUBLIC_KEY, true), NoTokenBeforeBody());

/** Only these roles may call the handler; others get 403. */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(ROLES_KEY, roles),
    ApiProblems([403, `Only for the role ${roles.join(' or ')}`]),
  );

/** The handler works on one tenant's data: a superadmin outside any tenant gets 403. */
export const TenantScoped = (): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(TENANT_SCOPED_KEY, true),
    ApiProblems([403, 'Only for the users of a tenant']),
  );

/** What the auth guard attaches to a request it lets through. */
export interface Caller {
  identity: Identity;
  context: CallerContext;
  /**
   * The request's Idempotency-Key header, as sent: every write the request makes runs under it
   * (checked by Rpc), so sending the request again with it changes nothing twice.
   */
  idempotencyKey?: string;
}

export interface AuthenticatedRequest extends FastifyRequest {
  caller?: Caller;
  /** The bearer token's claims, verified before the body was read. */
  tokenClaims?: AccessTokenClaims;
}

/** The verified caller of the current request. */
export const CurrentCaller = createParamDecorator((_data: unknown, ctx: ExecutionContext) => {
  const caller = ctx.switchToHttp().getRequest<AuthenticatedRequest>().caller;
  if (!caller) throw new Error('CurrentCaller used on a handler without authentication');
  return caller;
});
