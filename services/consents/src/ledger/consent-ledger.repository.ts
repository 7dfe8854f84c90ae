import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type {
  ConsentDecision,
  ConsentEvidenceDto,
  ConsentSource,
  LedgerSource,
} from '@kanta/contracts';

export interface LedgerEntryRow {
  id: string;
  customer_id: string;
  purpose: string;
  /** null only for a `merge_undo` entry restoring "no decision" (never a current decision). */
  decision: ConsentDecision | null;
  text_id: string | null;
  text_version: number | null;
  text_locale: string | null;
  source: LedgerSource;
  merge_id: string | null;
  merged_entry_id: string | null;
  recorded_by_user: string | null;
  recorded_by_partner: string | null;
  recorded_at: Date;
  evidence: ConsentEvidenceDto | null;
  /**
   * A newer text of the purpose, in the locale the customer was shown, exists; or the decision
   * was given under an unknown text (text_id null: an import's, or a merge entry carrying one).
   */
  outdated: boolean;
}

/**
 * A current decision: never a "no decision" entry. Its text is null (and it is `outdated`) when
 * it was imported under an unknown text.
 */
export interface CurrentEntryRow extends LedgerEntryRow {
  decision: ConsentDecision;
}

export interface NewLedgerEntry {
  id: string;
  customerId: string;
  purpose: string;
  decision: ConsentDecision | null;
  textId: string | null;
  source: ConsentSource | 'merge' | 'merge_undo';
  recordedByUser: string | null;
  recordedByPartner: string | null;
  evidence: ConsentEvidenceDto | null;
  /** `merge` / `merge_undo` entries only. */
  mergeId?: string;
  mergedEntryId?: string | null;
}

// A `merge_undo` entry restoring "no decision" has no text, nor has an imported decision given
// under an unknown text (or a merge entry carrying one): hence the outer join. The one rule of
// `outdated`, which contactability and the views read: a newer text of the purpose in the
// decision's locale exists, or the decision's text is unknown (the business must ask again).
const ENTRY = `SELECT l.id, l.customer_id, l.purpose, l.decision, l.text_id, t.version AS text_version,
         t.locale AS text_locale, l.source, l.recorded_by_user, l.recorded_by_partner,
         l.recorded_at, l.evidence, l.merge_id, l.merged_entry_id,
         (l.decision IS NOT NULL AND l.text_id IS NULL)
         OR EXISTS (SELECT 1 FROM consents.consent_texts n
                     WHERE n.tenant_id = t.tenant_id AND n.purpose = t.purpose
                       AND n.locale = t.locale AND n.version > t.version) AS outdated
    FROM consents.ledger l
    LEFT JOIN consents.consent_texts t ON t.tenant_id = l.tenant_id AND t.id = l.text_id`;

/**
 * The customer and every customer merged into it and not unmerged, along chains (A into B into
 * C: C's are B's and A's too): whose entries the customer's history shows.
 */
const MERGED_IN = `WITH RECURSIVE merged_in(customer_id, depth) AS (
     SELECT $2::uuid, 0
     UNION
     SELECT m.duplicate_id, merged_in.depth + 1
       FROM merged_in JOIN consents.customer_merges m
         ON m.tenant_id = $1 AND m.survivor_id = merged_in.customer_id AND m.undone_at IS NULL
      WHERE merged_in.depth < 50
   )`;

/** The append-only consent ledger: inserts and reads, nothing else (the database refuses more). */
@Injectable()
export class ConsentLedgerRepository {
  constructor(private readonly dataSource: DataSource) {}

  async append(manager: EntityManager, tenantId: string, entries: NewLedgerEntry[]): Promise<Date> {
    const rows = await manager.query<{ recorded_at: Date }[]>(
      `INSERT INTO consents.ledger (tenant_id, id, customer_id, purpose, decision, text_id, source,
         recorded_by_user, recorded_by_partner, evidence, merge_id, merged_entry_id)
       SELECT $1, e.id, e.customer_id, e.purpose, e.decision, e.text_id, e.source,
              e.recorded_by_user, e.recorded_by_partner, e.evidence, e.merge_id, e.merged_entry_id
         FROM jsonb_to_recordset($2::jsonb) AS e(id uuid, customer_id uuid, purpose text,
              decision text, text_id uuid, source text, recorded_by_user uuid,
              recorded_by_partner text, evidence jsonb, merge_id uuid, merged_entry_id uuid)
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
            merge_id: e.mergeId ?? null,
            merged_entry_id: e.mergedEntryId ?? null,
          })),
        ),
      ],
    );
    return rows[0].recorded_at;
  }

  /**
   * The newest entry of each purpose: the customer's current decisions. A purpose whose newest
   * entry is a `merge_undo` restoring "no decision" has none.
   */
  async current(
    runner: EntityManager | DataSource,
    tenantId: string,
    customerId: string,
  ): Promise<CurrentEntryRow[]> {
    return (await this.newest(runner, tenantId, customerId)).filter(
      (row): row is CurrentEntryRow => row.decision !== null,
    );
  }

  /** The newest entry of each purpose, a "no decision" one too. */
  async newest(
    runner: EntityManager | DataSource,
    tenantId: string,
    customerId: string,
    before?: string,
  ): Promise<LedgerEntryRow[]> {
    // DISTINCT ON keeps the first row of each purpose in the order given: the newest entry.
    return runner.query<LedgerEntryRow[]>(
      `SELECT DISTINCT ON (e.purpose) * FROM (${ENTRY}
          WHERE l.tenant_id = $1 AND l.customer_id = $2 ${before ? 'AND l.id < $3' : ''}) e
        ORDER BY e.purpose, e.id DESC`,
      before ? [tenantId, customerId, before] : [tenantId, customerId],
    );
  }

  /** Every entry of the customer and of the customers merged into it, newest first. */
  async history(tenantId: string, customerId: string): Promise<LedgerEntryRow[]> {
    return this.dataSource.query<LedgerEntryRow[]>(
      `${MERGED_IN} ${ENTRY}
        WHERE l.tenant_id = $1 AND l.customer_id IN (SELECT customer_id FROM merged_in)
        ORDER BY l.id DESC`,
      [tenantId, customerId],
    );
  }
}
