import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { MERGE_COMPLETED_V1, MERGE_UNDONE_V1, type MergeParticipant } from '@kanta/contracts';
import { EventConsumer } from '@kanta/messaging';
import { MergesRepository, type MergePhase } from './merges.repository';

/**
 * Each participant's answer to a merge or to its undo: its confirmation (time and counts) goes on
 * the merge record, the customers service's names the conflicting fields, and the last one
 * completes the phase. The merge row is locked while it is recorded, so two answers at once
 * cannot both see the other missing.
 */
@Injectable()
export class MergeAnswers implements OnModuleInit {
  constructor(
    private readonly consumer: EventConsumer,
    private readonly repository: MergesRepository,
  ) {}

  onModuleInit(): void {
    this.consumer.on(MERGE_COMPLETED_V1, async (event, { manager }) => {
      if (!event.tenantId) return;
      const answer = event.payload;
      await this.record(manager, event.tenantId, 'merge', answer, {
        participant: answer.participant,
        counts: answer.counts,
        at: answer.completedAt,
        conflicts: answer.participant === 'customers' ? answer.conflicts : undefined,
      });
    });
    this.consumer.on(MERGE_UNDONE_V1, async (event, { manager }) => {
      if (!event.tenantId) return;
      const answer = event.payload;
      await this.record(manager, event.tenantId, 'undo', answer, {
        participant: answer.participant,
        counts: answer.counts,
        at: answer.undoneAt,
      });
    });
  }

  private async record(
    manager: EntityManager,
    tenantId: string,
    phase: MergePhase,
    pair: { mergeId: string; survivorId: string; duplicateId: string },
    answer: {
      participant: MergeParticipant;
      counts: Record<string, number>;
      at: string;
      conflicts?: string[];
    },
  ): Promise<void> {
    const merge = await this.repository.find(manager, tenantId, pair.mergeId, true);
    // Not ours (another deployment's test, or a forged id): nothing to confirm. An undo's answer
    // without an undo asked finds no confirmation to fill.
    if (!merge || merge.survivorId !== pair.survivorId || merge.duplicateId !== pair.duplicateId) {
      return;
    }
    await this.repository.confirm(manager, tenantId, pair.mergeId, phase, answer);
  }
}
