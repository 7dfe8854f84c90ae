import { Inject, Injectable } from '@nestjs/common';
import type { CallerContext } from '@kanta/contracts';
import { GATEWAY_CONFIG } from '../core/tokens';
import type { GatewayConfig } from '../config';
import { IdentityRepository } from '../identity/identity.repository';
import type { Identity } from './identity';

const MAX_CACHED = 10_000;

/**
 * Who a token's user is now. Reading it from Postgres on every request would cap the gateway's
 * throughput, so an identity is reused for a few seconds (IDENTITY_CACHE_MS); edits made through
 * this instance drop the entry at once, other instances see them when it expires.
 */
@Injectable()
export class IdentityService {
  private readonly cache = new Map<string, { identity: Identity; expiresAt: number }>();

  constructor(
    private readonly repository: IdentityRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async load(userId: string): Promise<Identity | null> {
    const now = Date.now();
    const hit = this.cache.get(userId);
    if (hit && hit.expiresAt > now) return hit.identity;
    const identity = await this.repository.findIdentity(userId);
    if (identity && this.config.identityCacheMs > 0) {
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      this.cache.set(userId, { identity, expiresAt: now + this.config.identityCacheMs });
    } else {
      this.cache.delete(userId);
    }
    return identity;
  }

  /** Forget cached identities after an edit that changes them (one user, or everyone). */
  forget(userId?: string): void {
    if (userId) this.cache.delete(userId);
    else this.cache.clear();
  }

  /**
   * The context sent with every RPC. The station chosen at login stays current while the user
   * still works there; otherwise their first station is.
   */
  contextOf(
    identity: Identity,
    chosenStationId: string | null,
    correlationId: string,
  ): CallerContext {
    const current =
      chosenStationId && identity.stationIds.includes(chosenStationId)
        ? chosenStationId
        : (identity.stationIds[0] ?? null);
    return {
      tenant: identity.tenant
        ? {
            id: identity.tenant.id,
            country: identity.tenant.country,
            locale: identity.tenant.locale,
            timeZone: identity.tenant.timeZone,
          }
        : null,
      userId: identity.user.id,
      role: identity.user.role,
      stationIds: identity.stationIds,
      currentStationId: current,
      correlationId,
    };
  }
}
