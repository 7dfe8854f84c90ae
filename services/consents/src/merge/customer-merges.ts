import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PreferredChannel } from '@kanta/contracts';
import {
  EventConsumer,
  KnownCustomers,
  MergeParticipant,
  Outbox,
  type CustomerMerger,
  type MergeRef,
  type ServiceMerge,
} from '@kanta/messaging';
import { uuidv7 } from '@kanta/platform';
import {
  ConsentLedgerRepository,
  type LedgerEntryRow,
  type NewLedgerEntry,
} from '../ledger/consent-ledger.repository';
import { ConsentLedger } from '../ledger/consent-ledger.service';
import {
  CommunicationPreferences,
  PREFERENCE_DEFAULTS,
  type PreferencesRow,
} from '../preferences/communication-preferences.service';

/** The survivor's preferences before the merge: switches only, never contact data. */
interface PreferencesBefore {
  blocked: boolean;
  preferredChannel: PreferredChannel;
  serviceNotifications: boolean;
}

interface MergeRow {
  preferences_before: PreferencesBefore | null;
  preferences_version_after: number | null;
}

/**
 * This service's part in a merge of two customers (`privacy.merge.requested.v1`, MergeParticipant
 * in libs/messaging), in the transaction of the request's inbox. The ledger stays append-only:
 * nothing of the duplicate's is moved or rewritten.
 *
 * - `customer_merges` records the merge: while it is not undone, the survivor's consent history
 *   includes the duplicate's entries (ConsentLedgerRepository.history).
 * - Each purpose where the duplicate's decision was given later than the survivor's (or the
 *   survivor has none) gets a `merge` entry for the survivor carrying the duplicate's decision
 *   and text, naming the original entry (`merged_entry_id`; its evidence stays there). The
 *   survivor's current decision per purpose is then the latest of the two by the one rule
 *   every reader uses: the newest entry. A `consents.consent.recorded.v1` per entry keeps the
 *   customers service's marketing flags right.
 * - Preferences: the stricter wins — blocked if either is, service notifications off if either
 *   has them off; the survivor's preferred channel, the duplicate's when the survivor has none.
 *   The survivor's settings before, and the version the merge left, are remembered for the undo.
 *
 * The undo appends a `merge_undo` entry per purpose the merge decided, restoring the survivor's
 * decision from before the merge (or "no decision") — unless the survivor's decision of the
 * purpose changed since, which then stands; the preferences come back unless changed since; and
 * the merge is marked undone, so the duplicate's entries are its own history only again.
 *
 * Counts: `ledgerEntries` (merge or undo entries written), `preferences` (0 or 1).
 */
@Injectable()
export class CustomerMerges implements OnModuleInit, CustomerMerger {
  constructor(
    private readonly events: EventConsumer,
    private readonly outbox: Outbox,
    private readonly known: KnownCustomers,
    private readonly repository: ConsentLedgerRepository,
    private readonly ledger: ConsentLedger,
    private readonly preferences: CommunicationPreferences,
  ) {}

  onModuleInit(): void {
    new MergeParticipant('consents', this.known).register(this.events, this.outbox, this);
  }

  async merge(manager: EntityManager, tenantId: string, merge: MergeRef): Promise<ServiceMerge> {
    const recorded = await manager.query<unknown[]>(
      `INSERT INTO consents.customer_merges (tenant_id, merge_id, survivor_id, duplicate_id)
       VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING merge_id`,
      [tenantId, merge.mergeId, merge.survivorId, merge.duplicateId],
    );
    // The same merge again (a new request event with its id): done the first time.
    if (recorded.length === 0) return { counts: { ledgerEntries: 0, preferences: 0 } };
    await this.holdSurvivor(manager, tenantId, merge.survivorId);

    const survivor = byPurpose(await this.repository.current(manager, tenantId, merge.survivorId));
    const duplicate = await this.repository.current(manager, tenantId, merge.duplicateId);
    const entries: (NewLedgerEntry & { textVersion: number | null })[] = [];
    for (const theirs of duplicate) {
      const ours = survivor.get(theirs.purpose);
      if (ours && decidedAt(ours) >= decidedAt(theirs)) continue;
      entries.push({
        id: uuidv7(),
        customerId: merge.survivorId,
        purpose: theirs.purpose,
        decision: theirs.decision,
        textId: theirs.text_id,
        textVersion: theirs.text_version,
        source: 'merge',
        recordedByUser: null,
        recordedByPartner: null,
        evidence: null,
        mergeId: merge.mergeId,
        mergedEntryId: decidedAt(theirs),
      });
    }
    await this.ledger.write(manager, null, tenantId, entries);

    const before = await this.preferences.find(manager, tenantId, merge.survivorId, true);
    const theirs = await this.preferences.find(manager, tenantId, merge.duplicateId);
    const ours = settings(before);
    const other = settings(theirs);
    const stricter: PreferencesBefore = {
      blocked: ours.blocked || other.blocked,
      serviceNotifications: ours.serviceNotifications && other.serviceNotifications,
      preferredChannel:
        ours.preferredChannel === 'none' ? other.preferredChannel : ours.preferredChannel,
    };
    // Nothing stricter to take (two customers with the defaults, say): no change, no event.
    const after = sameSettings(ours, stricter)
      ? before
      : await this.preferences.apply(manager, null, tenantId, merge.survivorId, stricter, {
          recorder: null,
        });
    const changed = (after?.version ?? 0) !== (before?.version ?? 0);
    await manager.query(
      `UPDATE consents.customer_merges SET preferences_before = $3, preferences_version_after = $4
        WHERE tenant_id = $1 AND merge_id = $2`,
      [
        tenantId,
        merge.mergeId,
        changed && before ? JSON.stringify(ours) : null,
        changed ? (after?.version ?? null) : null,
      ],
    );
    return { counts: { ledgerEntries: entries.length, preferences: changed ? 1 : 0 } };
  }

  async recorded(
    manager: EntityManager,
    tenantId: string,
    mergeId: string,
  ): Promise<{ undone: boolean } | null> {
    const [row] = await manager.query<{ undone: boolean }[]>(
      `SELECT undone_at IS NOT NULL AS undone FROM consents.customer_merges
        WHERE tenant_id = $1 AND merge_id = $2`,
      [tenantId, mergeId],
    );
    return row ?? null;
  }

  async undo(manager: EntityManager, tenantId: string, merge: MergeRef): Promise<ServiceMerge> {
    const [rows] = await manager.query<[MergeRow[], number]>(
      `UPDATE consents.customer_merges SET undone_at = now()
        WHERE tenant_id = $1 AND merge_id = $2 AND undone_at IS NULL
        RETURNING preferences_before, preferences_version_after`,
      [tenantId, merge.mergeId],
    );
    // Never merged here, or undone already: nothing to move back.
    if (rows.length === 0) return { counts: { ledgerEntries: 0, preferences: 0 } };
    const [recorded] = rows;
    await this.holdSurvivor(manager, tenantId, merge.survivorId);

    const merged = await manager.query<{ id: string; purpose: string }[]>(
      `SELECT id, purpose FROM consents.ledger
        WHERE tenant_id = $1 AND merge_id = $2 AND source = 'merge' AND customer_id = $3`,
      [tenantId, merge.mergeId, merge.survivorId],
    );
    const now = byPurpose(await this.repository.newest(manager, tenantId, merge.survivorId));
    const entries: (NewLedgerEntry & { textVersion: number | null })[] = [];
    for (const entry of merged) {
      // The survivor decided the purpose again since the merge: that decision stands.
      if (now.get(entry.purpose)?.id !== entry.id) continue;
      const previous = (
        await this.repository.newest(manager, tenantId, merge.survivorId, entry.id)
      ).find((row) => row.purpose === entry.purpose);
      const restored = previous?.decision ? previous : null;
      entries.push({
        id: uuidv7(),
        customerId: merge.survivorId,
        purpose: entry.purpose,
        decision: restored?.decision ?? null,
        textId: restored?.text_id ?? null,
        textVersion: restored?.text_version ?? null,
        source: 'merge_undo',
        recordedByUser: null,
        recordedByPartner: null,
        evidence: null,
        mergeId: merge.mergeId,
        mergedEntryId: restored ? decidedAt(restored) : null,
      });
    }
    await this.ledger.write(manager, null, tenantId, entries);

    let preferences = 0;
    if (recorded.preferences_version_after !== null) {
      const current = await this.preferences.find(manager, tenantId, merge.survivorId, true);
      // Changed since the merge (by staff, a partner): the change stands.
      if (current?.version === recorded.preferences_version_after) {
        const before = recorded.preferences_before ?? settings(null);
        await this.preferences.apply(manager, null, tenantId, merge.survivorId, before, {
          recorder: null,
        });
        preferences = 1;
      }
    }
    return { counts: { ledgerEntries: entries.length, preferences } };
  }

  /**
   * Holds the survivor's row against changes about them (which hold it FOR SHARE,
   * CustomerDirectory.requireChangeable) while the merge compares and appends: a decision recorded
   * meanwhile would otherwise be older than the merge entry that outvotes it.
   */
  private async holdSurvivor(
    manager: EntityManager,
    tenantId: string,
    survivorId: string,
  ): Promise<void> {
    await manager.query(
      `SELECT 1 FROM consents.known_customers WHERE tenant_id = $1 AND customer_id = $2 FOR UPDATE`,
      [tenantId, survivorId],
    );
  }
}

/** When a decision was given: a merge or undo entry carries an original entry's (UUIDv7 ids). */
function decidedAt(row: LedgerEntryRow): string {
  return row.merged_entry_id ?? row.id;
}

function byPurpose(rows: LedgerEntryRow[]): Map<string, LedgerEntryRow> {
  return new Map(rows.map((row) => [row.purpose, row]));
}

function sameSettings(a: PreferencesBefore, b: PreferencesBefore): boolean {
  return (
    a.blocked === b.blocked &&
    a.preferredChannel === b.preferredChannel &&
    a.serviceNotifications === b.serviceNotifications
  );
}

function settings(row: PreferencesRow | null): PreferencesBefore {
  return {
    blocked: row?.blocked ?? PREFERENCE_DEFAULTS.blocked,
    preferredChannel: row?.preferred_channel ?? PREFERENCE_DEFAULTS.preferred_channel,
    serviceNotifications: row?.service_notifications ?? PREFERENCE_DEFAULTS.service_notifications,
  };
}
