import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type {
  CallerContext,
  CreatePartnerKeyDto,
  CreatedPartnerKeyView,
  Locale,
  PartnerKeyView,
} from '@kanta/contracts';
import { ProblemError, uuidv7 } from '@kanta/platform';
import type { Caller } from '../auth/auth.decorators';
import { tenantOf } from '../identity/stations.service';

/** Who a valid key belongs to. */
export interface PartnerIdentity {
  /** The key's tenant, as a caller's context carries it. */
  tenant: NonNullable<CallerContext['tenant']>;
  partner: string;
  keyId: string;
}

interface KeyRow {
  id: string;
  partner: string;
  label: string | null;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const KEY_PREFIX = 'kpk_';
/** How often last_used_at is written at most: not a write on every event. */
const LAST_USED_RESOLUTION = '1 minute';
const COLUMNS = 'id, partner, label, prefix, created_at, last_used_at, revoked_at';

const hashOf = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

function view(row: KeyRow): PartnerKeyView {
  const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);
  return {
    id: row.id,
    partner: row.partner,
    label: row.label,
    prefix: row.prefix,
    createdAt: iso(row.created_at)!,
    lastUsedAt: iso(row.last_used_at),
    revokedAt: iso(row.revoked_at),
  };
}

/**
 * API keys for partner systems, per tenant and partner. A key is `kpk_` + 32 random bytes
 * (base64url), shown once at creation and stored as its SHA-256; its first 12 characters are
 * kept to tell keys apart. Revoked keys stop working at once (no cache).
 */
@Injectable()
export class PartnerKeys {
  constructor(private readonly dataSource: DataSource) {}

  async create(caller: Caller, dto: CreatePartnerKeyDto): Promise<CreatedPartnerKeyView> {
    const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const rows = await this.dataSource.query<KeyRow[]>(
      `INSERT INTO gateway.partner_keys (tenant_id, id, partner, label, prefix, key_hash, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [
        tenantOf(caller),
        uuidv7(),
        dto.partner,
        dto.label?.trim() || null,
        key.slice(0, 12),
        hashOf(key),
        caller.context.userId,
      ],
    );
    return { ...view(rows[0]), key };
  }

  async list(caller: Caller): Promise<PartnerKeyView[]> {
    const rows = await this.dataSource.query<KeyRow[]>(
      `SELECT ${COLUMNS} FROM gateway.partner_keys WHERE tenant_id = $1 ORDER BY id`,
      [tenantOf(caller)],
    );
    return rows.map(view);
  }

  /** Revoking twice is harmless: the first time stays. Another tenant's key is a 404. */
  async revoke(caller: Caller, id: string): Promise<PartnerKeyView> {
    const [rows] = await this.dataSource.query<[KeyRow[], number]>(
      `UPDATE gateway.partner_keys SET revoked_at = coalesce(revoked_at, now())
        WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [tenantOf(caller), id],
    );
    if (!rows[0]) throw ProblemError.notFound('Partner key');
    return view(rows[0]);
  }

  /** The tenant and partner of a key that exists and is not revoked; a 401 otherwise. */
  async authenticate(header: {
    apiKey?: string;
    authorization?: string;
  }): Promise<PartnerIdentity> {
    const fromAuthorization = /^ApiKey\s+(\S+)$/i.exec(header.authorization ?? '')?.[1];
    const key = header.apiKey ?? fromAuthorization;
    if (!key || !key.startsWith(KEY_PREFIX) || key.length > 100) {
      throw ProblemError.unauthorized(
        'Send your partner API key as X-Api-Key or Authorization: ApiKey <key>.',
      );
    }
    // The key's tenant comes along: the context of a partner's calls needs nothing more.
    const rows = await this.dataSource.query<
      {
        tenant_id: string;
        id: string;
        partner: string;
        stale: boolean;
        country: string;
        locale: Locale;
        time_zone: string;
      }[]
    >(
      `SELECT k.tenant_id, k.id, k.partner, t.country, t.locale, t.time_zone,
              (k.last_used_at IS NULL
               OR k.last_used_at < now() - interval '${LAST_USED_RESOLUTION}') AS stale
         FROM gateway.partner_keys k JOIN gateway.tenants t ON t.id = k.tenant_id
        WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
      [hashOf(key)],
    );
    const found = rows[0];
    if (!found) throw ProblemError.unauthorized('The API key is unknown or has been revoked.');
    if (found.stale) {
      // Written at most once a minute per key: not a row version per event.
      await this.dataSource.query(
        'UPDATE gateway.partner_keys SET last_used_at = now() WHERE tenant_id = $1 AND id = $2',
        [found.tenant_id, found.id],
      );
    }
    return {
      tenant: {
        id: found.tenant_id,
        country: found.country,
        locale: found.locale,
        timeZone: found.time_zone,
      },
      partner: found.partner,
      keyId: found.id,
    };
  }
}
