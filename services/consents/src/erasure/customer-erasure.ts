import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CONTACT_RESOLVED_V1, isUuid } from '@kanta/contracts';
import {
  ErasureParticipant,
  EventConsumer,
  KnownCustomers,
  Outbox,
  type ServiceErasure,
} from '@kanta/messaging';
import { CONSENTS_SCHEMA } from '../database/schema';

/**
 * This service's part in a customer's erasure (`privacy.erasure.requested.v1`, ErasureParticipant
 * in libs/messaging), in the transaction of the request's inbox:
 *
 * - the customer is marked erased in `known_customers` at once, whenever the customers service's
 *   event saying so arrives: a change about them is refused from here on (409), and one running
 *   now is waited for and erased with the rest (CustomerDirectory.isErased);
 * - ledger entries keep the proof that each decision was given, and lose their evidence (a
 *   signed form's reference, a free-text note), through the owner's `erase_ledger_evidence`:
 *   the service's own role still cannot change the ledger;
 * - the communication preferences are deleted (a customer without a row has the defaults), and
 *   so are the settings a merge into the customer remembered for its undo;
 * - the partner events that carried the customer's consents, as far as this schema can tell them
 *   (an answer naming the customer, waiting for its event or dead-lettered): their waiting rows
 *   are deleted, and their ids returned so their dead letters and outbox rows go too;
 * - the customer's commands forget their fingerprints and answers.
 *
 * Counts: `ledgerEntries` (entries whose evidence was cleared), `preferences`, `partnerPending`,
 * `partnerResolutions`, `commands`, `mergePreferences` (when some); the participant adds `deadLetters`, `outbox` and
 * `unpublishedConsents`.
 */
@Injectable()
export class CustomerErasure implements OnModuleInit {
  constructor(
    private readonly events: EventConsumer,
    private readonly outbox: Outbox,
    private readonly known: KnownCustomers,
  ) {}

  onModuleInit(): void {
    new ErasureParticipant('consents', CONSENTS_SCHEMA).register(
      this.events,
      this.outbox,
      (manager, tenantId, customerId) => this.erase(manager, tenantId, customerId),
    );
  }

  async erase(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
  ): Promise<ServiceErasure> {
    // First, and holding the row to the commit: a change about the customer that checked it
    // before is waited for (its rows are then erased below), any later one is refused.
    await this.known.markErased(manager, tenantId, customerId);
    const [{ cleared }] = await manager.query<{ cleared: number }[]>(
      'SELECT consents.erase_ledger_evidence($1, $2) AS cleared',
      [tenantId, customerId],
    );
    const [, preferences] = await manager.query<[unknown, number]>(
      'DELETE FROM consents.preferences WHERE tenant_id = $1 AND customer_id = $2',
      [tenantId, customerId],
    );
    // What a merge into the customer remembered of their preferences, for an undo (the merge
    // record itself keeps ids and times only). Merge and undo entries of the ledger carry no
    // evidence: it stays on the original entries, cleared above for each merged-in customer
    // (the participant runs this for every id of `mergedCustomerIds` too).
    const [, mergePreferences] = await manager.query<[unknown, number]>(
      `UPDATE consents.customer_merges SET preferences_before = NULL
        WHERE tenant_id = $1 AND survivor_id = $2 AND preferences_before IS NOT NULL`,
      [tenantId, customerId],
    );
    const partner = await this.erasePartnerEvents(manager, tenantId, customerId);
    // A request's fingerprint is a SHA-256 of the whole request, evidence note included: it
    // would let someone who guesses the request confirm it. The command id still answers its
    // record (the customer's consents, now without evidence) when sent again.
    const [, commands] = await manager.query<[unknown, number]>(
      `UPDATE consents.commands SET fingerprint = NULL, answer = NULL
        WHERE tenant_id = $1 AND result_id = $2 AND fingerprint IS NOT NULL`,
      [tenantId, customerId],
    );
    return {
      counts: {
        ledgerEntries: cleared,
        preferences,
        commands,
        partnerPending: partner.pending,
        partnerResolutions: partner.resolutions,
        ...(mergePreferences > 0 ? { mergePreferences } : {}),
      },
      messageIds: partner.eventIds,
    };
  }

  /**
   * The customer's partner events this schema can link to them: an answer that named the
   * customer and waits for its event (`partner_resolutions`), or one that was dead-lettered
   * while its event waits (`partner_pending`, linked through the answer's partner event id). A
   * partner event whose answer has not come yet names nobody here; when the answer comes, the
   * event's waiting row is taken and nothing recorded (PartnerConsentsConsumer).
   */
  private async erasePartnerEvents(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
  ): Promise<{ eventIds: string[]; pending: number; resolutions: number }> {
    const [resolved] = await manager.query<[{ partner_event_id: string }[], number]>(
      `DELETE FROM consents.partner_resolutions WHERE tenant_id = $1 AND customer_id = $2
       RETURNING partner_event_id`,
      [tenantId, customerId],
    );
    const answers = await manager.query<{ body: Buffer }[]>(
      `SELECT body FROM consents.dead_letters
        WHERE tenant_id = $1 AND event_type = $2
          AND position(convert_to($3, 'UTF8') IN body) > 0`,
      [tenantId, CONTACT_RESOLVED_V1, customerId],
    );
    const eventIds = new Set(resolved.map((r) => r.partner_event_id));
    for (const { body } of answers) {
      const partnerEventId = answeredPartnerEvent(body, customerId);
      if (partnerEventId) eventIds.add(partnerEventId);
    }
    const [, pending] = await manager.query<[unknown, number]>(
      `DELETE FROM consents.partner_pending
        WHERE tenant_id = $1 AND partner_event_id = ANY($2::uuid[])`,
      [tenantId, [...eventIds]],
    );
    return { eventIds: [...eventIds], pending, resolutions: resolved.length };
  }
}

/** The partner event a dead-lettered contact answer is about, if it names the customer. */
function answeredPartnerEvent(body: Buffer, customerId: string): string | null {
  try {
    const { payload } = JSON.parse(body.toString('utf8')) as {
      payload?: { customerId?: unknown; partnerEventId?: unknown };
    };
    return payload?.customerId === customerId &&
      typeof payload.partnerEventId === 'string' &&
      isUuid(payload.partnerEventId)
      ? payload.partnerEventId.toLowerCase()
      : null;
  } catch {
    // Not JSON (a message dead-lettered for that): no answer to follow.
    return null;
  }
}
