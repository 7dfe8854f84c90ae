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
  /**
   * What the service's own merge table holds of the merge: null when it never ran here, else
   * whether it was undone. A service with a customers projection has it, so that a request asked
   * again (a retry beside a replayed dead letter) leaves the projection's mark as the first run
   * and its undo left it: the merger itself moves nothing twice.
   */
  recorded?(
    manager: EntityManager,
    tenantId: string,
    mergeId: string,
  ): Promise<{ undone: boolean } | null>;
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
 * A request that names its participants (a retry: only those that have not answered) is for
 * them only; the others run nothing and answer nothing. Each merger is safe to ask twice for the
 * same merge anyway (a replayed dead letter beside a retry): it moves nothing twice.
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
      if (!tenantId || !this.isAsked(event.payload.participants)) return;
      const { mergeId, survivorId, duplicateId } = event.payload;
      const ref = { mergeId, survivorId, duplicateId };
      // Asked again: the first run marked it, and an undo since unmarked it for good.
      const earlier = await merger.recorded?.(manager, tenantId, mergeId);
      if (!earlier) await this.known?.markMerged(manager, tenantId, duplicateId, survivorId);
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
      if (!tenantId || !this.isAsked(event.payload.participants)) return;
      const { mergeId, survivorId, duplicateId } = event.payload;
      const ref = { mergeId, survivorId, duplicateId };
      // Undone here already: the duplicate may have been merged again since (another merge).
      const earlier = await merger.recorded?.(manager, tenantId, mergeId);
      const moved = await merger.undo(manager, tenantId, ref);
      if (!earlier?.undone) await this.known?.unmarkMerged(manager, tenantId, duplicateId);
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

  /** Whether a request naming `participants` (none: all) is for this service. */
  private isAsked(participants: readonly ParticipantName[] | undefined): boolean {
    return participants === undefined || participants.includes(this.participant);
  }
}
