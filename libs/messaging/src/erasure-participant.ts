import type { EntityManager } from 'typeorm';
import {
  ERASURE_COMPLETED_V1,
  ERASURE_REQUESTED_V1,
  type ErasureParticipant as ParticipantName,
} from '@kanta/contracts';
import type { EventConsumer } from './event-consumer';
import type { Outbox } from './outbox';

/** What a service erased of one customer in its own tables, by kind: counts, never values. */
export type ErasureCounts = Record<string, number>;

/**
 * What a service erased, and the ids of the messages that carried the customer's data without
 * naming the customer (a partner booking's event, resolved to the customer later): their
 * outbox rows and dead letters go too.
 */
export interface ServiceErasure {
  counts: ErasureCounts;
  messageIds?: string[];
}

/** Erases what the service holds of the customer, in the transaction of the request's inbox. */
export type CustomerEraser = (
  manager: EntityManager,
  tenantId: string,
  customerId: string,
) => Promise<ServiceErasure>;

/**
 * A service's part in the privacy service's erasure saga, the same in every service: on
 * `privacy.erasure.requested.v1` it runs the service's own eraser (for the customer, and for
 * each customer merged into it: `mergedCustomerIds`), then clears the customer's
 * traces in the messaging tables every service has, and answers `privacy.erasure.completed.v1`
 * with the counts — all in the one transaction that records the request in the inbox, so a
 * redelivered request erases nothing twice and a crash leaves nothing half-erased.
 *
 * The messaging tables: dead letters whose message names the customer's id (or is one of the
 * eraser's `messageIds`) are deleted, the tenant's and those kept without a tenant (a message
 * whose envelope could not be read: an id is unique across tenants); so are published outbox
 * rows that name them (published: their consumers have them; the retention would delete them
 * later anyway). An unpublished row stays, to be published, without the one value our events
 * may carry: the `consents` reception gave with a create or a visit (their evidence is a
 * signature reference and a note), which the consents service would refuse for an erased
 * customer anyway. The eraser decides about its command log.
 */
export class ErasureParticipant {
  constructor(
    private readonly participant: ParticipantName,
    private readonly schema: string,
  ) {}

  register(consumer: EventConsumer, outbox: Outbox, eraser: CustomerEraser): void {
    consumer.on(ERASURE_REQUESTED_V1, async (event, { manager }) => {
      const tenantId = event.tenantId;
      if (!tenantId) return;
      const { erasureId, customerId } = event.payload;
      // The customers merged into this one are the same person: what the service still keeps
      // under their ids (their own card, their consent history) goes with it.
      const ids = [customerId, ...(event.payload.mergedCustomerIds ?? [])];
      const counts: ErasureCounts = {};
      const messageIds: string[] = [];
      for (const id of ids) {
        const erased = await eraser(manager, tenantId, id);
        for (const [kind, n] of Object.entries(erased.counts))
          counts[kind] = (counts[kind] ?? 0) + n;
        messageIds.push(...(erased.messageIds ?? []));
      }
      const traces = await this.eraseMessages(manager, tenantId, [...ids, ...messageIds]);
      await outbox.enqueue(manager, [
        {
          type: ERASURE_COMPLETED_V1,
          tenantId,
          correlationId: event.correlationId,
          payload: {
            erasureId,
            customerId,
            participant: this.participant,
            counts: { ...counts, ...traces },
            completedAt: new Date().toISOString(),
          },
        },
      ]);
    });
  }

  /** Deletes the dead letters and published outbox rows that name any of `ids` (see below). */
  eraseMessages(manager: EntityManager, tenantId: string, ids: string[]): Promise<ErasureCounts> {
    return eraseMessagesNaming(manager, this.schema, tenantId, ids);
  }
}

/**
 * What the messaging tables of `schema` hold that names any of `ids` (a customer's id, the ids of
 * the messages that carried its data): dead letters are deleted (the tenant's, and those kept
 * without a tenant), published outbox rows too, and unpublished rows lose the reception consents
 * they carry. ErasureParticipant runs it for every participant; the privacy service, which is
 * not one, runs it on its own tables when an erasure begins.
 */
export async function eraseMessagesNaming(
  manager: EntityManager,
  schema: string,
  tenantId: string,
  ids: string[],
): Promise<ErasureCounts> {
  const patterns = ids.map((id) => `%${id}%`);
  const [, deadLetters] = await manager.query<[unknown, number]>(
    `DELETE FROM "${schema}".dead_letters
        WHERE (tenant_id = $1 OR tenant_id IS NULL)
          AND (event_id::text = ANY($2::text[])
               OR EXISTS (SELECT 1 FROM unnest($2::text[]) AS i(id)
                           WHERE position(convert_to(i.id, 'UTF8') IN body) > 0))`,
    [tenantId, ids],
  );
  const [, outbox] = await manager.query<[unknown, number]>(
    `DELETE FROM "${schema}".outbox
        WHERE tenant_id = $1 AND published_at IS NOT NULL
          AND (event_id::text = ANY($2::text[]) OR envelope::text LIKE ANY($3::text[]))`,
    [tenantId, ids, patterns],
  );
  const [, unpublished] = await manager.query<[unknown, number]>(
    `UPDATE "${schema}".outbox
          SET envelope = jsonb_set(envelope, '{payload}', (envelope -> 'payload') - 'consents')
        WHERE tenant_id = $1 AND published_at IS NULL AND envelope -> 'payload' ? 'consents'
          AND envelope::text LIKE ANY($2::text[])`,
    [tenantId, patterns],
  );
  return {
    deadLetters,
    outbox,
    ...(unpublished > 0 ? { unpublishedConsents: unpublished } : {}),
  };
}
