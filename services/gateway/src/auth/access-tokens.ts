import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { ProblemError } from '@kanta/platform';
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
    const payload = await this.jwt.verifyAsync<{
      sub?: unknown;
      sid?: unknown;
      ver?: unknown;
      exp?: unknown;
    }>(token);
    if (typeof payload.sub !== 'string') throw new Error('no subject');
    const claims: AccessTokenClaims = {
      sub: payload.sub,
      sid: typeof payload.sid === 'string' ? payload.sid : null,
      ver: Number.isInteger(payload.ver) ? (payload.ver as number) : 0,
    };
    // Tokens without an expiry are never remembered (we issue none; they would live forever).
    if (typeof payload.exp === 'number') {
      if (this.verified.size >= MAX_REMEMBERED) this.verified.clear();
      this.verified.set(token, { claims, expiresAt: payload.exp });
    }
    return claims;
  }

  /** The claims of an `Authorization: Bearer …` header; a 401 problem when it has none valid. */
  async fromHeader(header: string | undefined): Promise<AccessTokenClaims> {
    const match = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/i.exec(header ?? '');
    if (!match) throw ProblemError.unauthorized();
    try {
      return await this.verify(match[1]);
    } catch {
      throw ProblemError.unauthorized('The token is invalid or has expired.');
    }
  }

  /** A token for these claims (the user's current token version among them). */
  issue(claims: AccessTokenClaims): Promise<string> {
    return this.jwt.signAsync({ ...claims });
  }
}
