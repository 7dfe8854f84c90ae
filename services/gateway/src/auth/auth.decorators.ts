import {
  applyDecorators,
  SetMetadata,
  createParamDecorator,
  type CustomDecorator,
  type ExecutionContext,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { CallerContext, Role } from '@kanta/contracts';
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
export const Roles = (...roles: Role[]): CustomDecorator => SetMetadata(ROLES_KEY, roles);

/** The handler works on one tenant's data: a superadmin outside any tenant gets 403. */
export const TenantScoped = (): CustomDecorator => SetMetadata(TENANT_SCOPED_KEY, true);

/** What the auth guard attaches to a request it lets through. */
export interface Caller {
  identity: Identity;
  context: CallerContext;
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
