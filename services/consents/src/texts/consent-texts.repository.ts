import { lockKeys } from '@kanta/database';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export interface ConsentTextRow {
  id: string;
  purpose: string;
  locale: string;
  version: number;
  title: string | null;
  body: string;
  content_hash: string;
  published_at: Date;
  published_by: string;
  superseded: boolean;
}

const SELECT = `SELECT t.id, t.purpose, t.locale, t.version, t.title, t.body, t.content_hash,
         t.published_at, t.published_by,
         EXISTS (SELECT 1 FROM consents.consent_texts n
                  WHERE n.tenant_id = t.tenant_id AND n.purpose = t.purpose
                    AND n.locale = t.locale AND n.version > t.version) AS superseded
    FROM consents.consent_texts t`;

/** What recording a decision needs of the text it names. */
export interface TextIdentity {
  id: string;
  purpose: string;
  version: number;
}

/** Texts remembered by `identify`, oldest forgotten first: tenants publish a handful each. */
const KNOWN_TEXTS_LIMIT = 10_000;

@Injectable()
export class ConsentTextsRepository {
  /** `tenantId:textId` → the text's identity; see `identify`. */
  private readonly identities = new Map<string, TextIdentity>();

  constructor(private readonly dataSource: DataSource) {}

  /** Serialises publications of one purpose and locale, so versions count up without gaps. */
  async lockPurpose(
    manager: EntityManager,
    tenantId: string,
    purpose: string,
    locale: string,
  ): Promise<void> {
    await lockKeys(manager, [`consents:${tenantId}:${purpose}:${locale}`]);
  }

  async latest(
    runner: EntityManager | DataSource,
    tenantId: string,
    purpose: string,
    locale: string,
  ): Promise<ConsentTextRow | null> {
    const rows = await runner.query<ConsentTextRow[]>(
      `${SELECT} WHERE t.tenant_id = $1 AND t.purpose = $2 AND t.locale = $3
        ORDER BY t.version DESC LIMIT 1`,
      [tenantId, purpose, locale],
    );
    return rows[0] ?? null;
  }

  async insert(
    manager: EntityManager,
    tenantId: string,
    text: Omit<ConsentTextRow, 'published_at' | 'superseded'>,
  ): Promise<ConsentTextRow> {
    const rows = await manager.query<ConsentTextRow[]>(
      `INSERT INTO consents.consent_texts
         (tenant_id, id, purpose, locale, version, title, body, content_hash, published_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       RETURNING id, purpose, locale, version, title, body, content_hash, published_at,
                 published_by, false AS superseded`,
      [
        tenantId,
        text.id,
        text.purpose,
        text.locale,
        text.version,
        text.title,
        text.body,
        text.content_hash,
        text.published_by,
      ],
    );
    return rows[0];
  }

  async findById(tenantId: string, id: string): Promise<ConsentTextRow | null> {
    const rows = await this.dataSource.query<ConsentTextRow[]>(
      `${SELECT} WHERE t.tenant_id = $1 AND t.id = $2`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }

  /**
   * The purpose and version of each of the tenant's texts among `ids`, keyed by the id in lower
   * case as stored; an id missing from the answer is not a text of the tenant. A text never changes and is never deleted (the
   * `texts_immutable` trigger), so one read once is answered from memory after that: recording a
   * partner's decisions checks them, and then records them, without asking again. An id not
   * found is not remembered, so a text published later is found.
   */
  async identify(
    runner: EntityManager | DataSource,
    tenantId: string,
    ids: string[],
  ): Promise<Map<string, TextIdentity>> {
    const found = new Map<string, TextIdentity>();
    const missing: string[] = [];
    for (const id of new Set(ids.map((id) => id.toLowerCase()))) {
      const known = this.identities.get(`${tenantId}:${id}`);
      if (known) found.set(id, known);
      else missing.push(id);
    }
    if (missing.length === 0) return found;
    const rows = await runner.query<TextIdentity[]>(
      `SELECT id, purpose, version FROM consents.consent_texts
        WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
      [tenantId, missing],
    );
    for (const row of rows) {
      if (this.identities.size >= KNOWN_TEXTS_LIMIT) {
        this.identities.delete(this.identities.keys().next().value as string);
      }
      this.identities.set(`${tenantId}:${row.id}`, row);
      found.set(row.id, row);
    }
    return found;
  }

  /** The texts in force (the newest version of each purpose and locale), or every version. */
  async list(
    tenantId: string,
    filter: { purpose?: string; locale?: string; history: boolean },
  ): Promise<ConsentTextRow[]> {
    const where = ['t.tenant_id = $1'];
    const values: unknown[] = [tenantId];
    if (filter.purpose) where.push(`t.purpose = $${values.push(filter.purpose)}`);
    if (filter.locale) where.push(`t.locale = $${values.push(filter.locale)}`);
    const rows = await this.dataSource.query<ConsentTextRow[]>(
      `${SELECT} WHERE ${where.join(' AND ')}
        ORDER BY t.purpose, t.locale, t.version DESC`,
      values,
    );
    return filter.history ? rows : rows.filter((row) => !row.superseded);
  }
}
