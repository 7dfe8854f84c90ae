import { Inject, Injectable, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type Redis from 'ioredis';
import type { GatewayConfig } from '../config';
import { GATEWAY_CONFIG, REDIS } from '../core/tokens';
import { countInWindow } from '../http/rate-window';
import { PartnerKeys, type PartnerIdentity } from './partner-keys';

interface PartnerRequest extends FastifyRequest {
  partner?: PartnerIdentity;
}

/**
 * What a partner request passes before its body is read: a key that exists and is not revoked
 * (401 otherwise), and at most PARTNER_REQUESTS_PER_MINUTE requests per key (429). Neither an
 * unknown key nor a partner over its limit gets the gateway to read, parse or validate a body.
 */
@Injectable()
export class PartnerGate {
  constructor(
    private readonly keys: PartnerKeys,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async admit(request: FastifyRequest): Promise<void> {
    const header = (name: string): string | undefined => {
      const value = request.headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    const partner = await this.keys.authenticate({
      apiKey: header('x-api-key'),
      authorization: header('authorization'),
    });
    await countInWindow(
      this.redis,
      `${this.config.redisKeyPrefix}partner:${partner.keyId}`,
      this.config.partnerRequestsPerMinute,
      60_000,
      'Too many partner requests for this key; wait before sending more.',
    );
    (request as PartnerRequest).partner = partner;
  }
}

/** The partner whose key PartnerGate admitted for this request. */
export const CurrentPartner = createParamDecorator((_data: unknown, ctx: ExecutionContext) => {
  const partner = ctx.switchToHttp().getRequest<PartnerRequest>().partner;
  if (!partner) throw new Error('CurrentPartner used on a route without BeforeBody("partner")');
  return partner;
});
