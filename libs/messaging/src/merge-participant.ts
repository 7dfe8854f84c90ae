import type { EntityManager } from 'typeorm';
import {
  MERGE_COMPLETED_V1,
  MERGE_REQUESTED_V1,
  MERGE_UNDO_REQUESTED_V1,
  MERGE_UNDONE_V1,
  type MergeParticipant as ParticipantName,
} from '@kanta/contracts';
import type { EventConsumer } from './event-consumer';
import type { KnownCustomers } from './known-customers';
import type { Outbox } from './outbox';

/** The two customers of a merge, as the request names them. */
export interface MergeRef {
  mergeId: string;
  survivorId: string;
  duplicateId: string;
}

/** What a service moved, by kind (counts, never values); the customers service adds conflicts. */
export interface ServiceMerge {
  counts: Record<string, number>;
  /** Card fields both customers had with different values: names, never values. */
  conflicts?: string[];
}

/**
 * A service's own part of a merge, in the transaction of the request's inbox: `merge` moves
 * what the service holds of the duplicate to the survivor and remembers what it moved, in its
 * own schema; `undo` moves exactly that back (what was added since stays with the survivor).
 */
export interface CustomerMerger {
  merge(manager: EntityManager, tenantId: string, merge: MergeRef): Promise<ServiceMerge>;
  undo(manager: EntityManager, tenantId: string, merge: MergeRef): Promise<ServiceMerge>;
}

/**
 * A service's part in the privacy service's merge saga, the same in every service (as
 * ErasureParticipant is for erasures): on `privacy.merge.requested.v1` it marks the duplicate
 * merged in the service's customers projection (so whatever names the duplicate from then on —
 * a partner's late event, a replayed dead letter — goes to the survivor: KnownCustomers.survivorOf),
 * runs the service's merger, and answers `privacy.merge.completed.v1`; on
 * `privacy.merge.undo.requested.v1` it runs the undo, clears the mark and answers
 * `privacy.merge.undone.v1`. All in the one transaction that records the request in the inbox:
 * a redelivered request moves nothing twice, a crash leaves nothing half-moved.
 *
 * `known`: the service's customers projection; none for the customers service, which keeps the
 * cards themselves.
 */
export class MergeParticipant {
  constructor(
    private readonly participant: ParticipantName,
    private readonly known: KnownCustomers | null,
  ) {}

  register(consumer: EventConsumer, outbox: Outbox, merger: CustomerMerger): void {
    consumer.on(MERGE_REQUESTED_V1, async (event, { manager }) => {
      const tenantId = event.tenantId;
      if (!tenantId) return;
      const { mergeId, survivorId, duplicateId } = event.payload;
      const ref = { mergeId, survivorId, duplicateId };
      await this.known?.markMerged(manager, tenantId, duplicateId, survivorId);
      const moved = await merger.merge(manager, tenantId, ref);
      await outbox.enqueue(manager, [
        {
          type: MERGE_COMPLETED_V1,
          tenantId,
          correlationId: event.correlationId,
          payload: {
            ...ref,
            participant: this.participant,
            counts: moved.counts,
            ...(moved.conflicts ? { conflicts: moved.conflicts } : {}),
            completedAt: new Date().toISOString(),
          },
        },
      ]);
    });
    consumer.on(MERGE_UNDO_REQUESTED_V1, async (event, { manager }) => {
      const tenantId = event.tenantId;
      if (!tenantId) return;
      const { mergeId, survivorId, duplicateId } = event.payload;
      const ref = { mergeId, survivorId, duplicateId };
      const moved = await merger.undo(manager, tenantId, ref);
      await this.known?.unmarkMerged(manager, tenantId, duplicateId);
      await outbox.enqueue(manager, [
        {
          type: MERGE_UNDONE_V1,
          tenantId,
          correlationId: event.correlationId,
          payload: {
            ...ref,
            participant: this.participant,
            counts: moved.counts,
            undoneAt: new Date().toISOString(),
          },
        },
      ]);
    });
  }
}
