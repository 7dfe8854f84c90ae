import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ConsentDecision, ConsentEvidenceDto, ConsentSource } from '@kanta/contracts';

export interface LedgerEntryRow {
  id: string;
  customer_id: string;
  purpose: string;
  decision: ConsentDecision;
  text_id: string;
  text_version: number;
  text_locale: string;
  source: ConsentSource;
  recorded_by_user: string | null;
  recorded_by_partner: string | null;
  recorded_at: Date;
  evidence: ConsentEvidenceDto | null;
  /** A newer text of the purpose, in the locale the customer was shown, exists. */
  outdated: boolean;
}

export interface NewLedgerEntry {
  id: string;
  customerId: string;
  purpose: string;
  decision: ConsentDecision;
  textId: string;
  source: ConsentSource;
  recordedByUser: string | null;
  recordedByPartner: string | null;
  evidence: ConsentEvidenceDto | null;
}

const ENTRY = `SELECT l.id, l.customer_id, l.purpose, l.decision, l.text_id, t.version AS text_version,
         t.locale AS text_locale, l.source, l.recorded_by_user, l.recorded_by_partner,
         l.recorded_at, l.evidence,
         EXISTS (SELECT 1 FROM consents.consent_texts n
                  WHERE n.tenant_id = t.tenant_id AND n.purpose = t.purpose
                    AND n.locale = t.locale AND n.version > t.version) AS outdated
    FROM consents.ledger l
    JOIN consents.consent_texts t ON t.tenant_id = l.tenant_id AND t.id = l.text_id`;

/** The append-only consent ledger: inserts and reads, nothing else (the database refuses more). */
@Injectable()
export class ConsentLedgerRepository {
  constructor(private readonly dataSource: DataSource) {}

  async append(manager: EntityManager, tenantId: string, entries: NewLedgerEntry[]): Promise<Date> {
    const rows = await manager.query<{ recorded_at: Date }[]>(
      `INSERT INTO consents.ledger (tenant_id, id, customer_id, purpose, decision, text_id, source,
         recorded_by_user, recorded_by_partner, evidence)
       SELECT $1, e.id, e.customer_id, e.purpose, e.decision, e.text_id, e.source,
              e.recorded_by_user, e.recorded_by_partner, e.evidence
         FROM jsonb_to_recordset($2::jsonb) AS e(id uuid, customer_id uuid, purpose text,
              decision text, text_id uuid, source text, recorded_by_user uuid,
              recorded_by_partner text, evidence jsonb)
       RETURNING recorded_at`,
      [
        tenantId,
        JSON.stringify(
          entries.map((e) => ({
            id: e.id,
            customer_id: e.customerId,
            purpose: e.purpose,
            decision: e.decision,
            text_id: e.textId,
            source: e.source,
            recorded_by_user: e.recordedByUser,
            recorded_by_partner: e.recordedByPartner,
            evidence: e.evidence,
          })),
        ),
      ],
    );
    return rows[0].recorded_at;
  }

  /** The newest entry of each purpose: the customer's current decisions. */
  async current(
    runner: EntityManager | DataSource,
    tenantId: string,
    customerId: string,
  ): Promise<LedgerEntryRow[]> {
    // DISTINCT ON keeps the first row of each purpose in the order given: the newest entry.
    return runner.query<LedgerEntryRow[]>(
      `SELECT DISTINCT ON (e.purpose) * FROM (${ENTRY}
          WHERE l.tenant_id = $1 AND l.customer_id = $2) e
        ORDER BY e.purpose, e.id DESC`,
      [tenantId, customerId],
    );
  }

  async history(tenantId: string, customerId: string): Promise<LedgerEntryRow[]> {
    return this.dataSource.query<LedgerEntryRow[]>(
      `${ENTRY} WHERE l.tenant_id = $1 AND l.customer_id = $2 ORDER BY l.id DESC`,
      [tenantId, customerId],
    );
  }
}
