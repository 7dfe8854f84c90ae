import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { AccessTokenClaims } from './identity';

const MAX_REMEMBERED = 10_000;

interface VerifiedToken {
  claims: AccessTokenClaims;
  /** The token's `exp`, in seconds, as jsonwebtoken compares it. */
  expiresAt: number;
}

/**
 * Verifies bearer tokens, remembering the ones that verified until they expire. A client sends
 * the same token with every request, and verifying it again (base64, JSON, HMAC) took some 5 %
 * of the gateway's CPU. The token string is the key, signature included, so a token that was not
 * verified can never be found here; expiry is checked on every use as jsonwebtoken checks it.
 */
@Injectable()
export class AccessTokens {
  private readonly verified = new Map<string, VerifiedToken>();

  constructor(private readonly jwt: JwtService) {}

  /** The token's claims; throws when it does not verify or has expired. */
  async verify(token: string): Promise<AccessTokenClaims> {
    const now = Math.floor(Date.now() / 1000);
    const known = this.verified.get(token);
    if (known && now < known.expiresAt) return known.claims;
    if (known) this.verified.delete(token);
    const payload = await this.jwt.verifyAsync<{ sub?: unknown; sid?: unknown; exp?: unknown }>(
      token,
    );
    if (typeof payload.sub !== 'string') throw new Error('no subject');
    const claims: AccessTokenClaims = {
      sub: payload.sub,
      sid: typeof payload.sid === 'string' ? payload.sid : null,
    };
    // Tokens without an expiry are never remembered (we issue none; they would live forever).
    if (typeof payload.exp === 'number') {
      if (this.verified.size >= MAX_REMEMBERED) this.verified.clear();
      this.verified.set(token, { claims, expiresAt: payload.exp });
    }
    return claims;
  }
}
