import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ERASURE_COMPLETED_V1 } from '@kanta/contracts';
import { EventConsumer } from '@kanta/messaging';
import { ErasuresRepository } from './erasures.repository';

/**
 * Each participant's answer to an erasure request: its confirmation (time and counts) goes on
 * the receipt, and the last one completes the erasure. The erasure row is locked while it is
 * recorded, so two answers at once cannot both see the other missing.
 */
@Injectable()
export class ErasureAnswers implements OnModuleInit {
  constructor(
    private readonly consumer: EventConsumer,
    private readonly repository: ErasuresRepository,
  ) {}

  onModuleInit(): void {
    this.consumer.on(ERASURE_COMPLETED_V1, async (event, { manager }) => {
      const tenantId = event.tenantId;
      if (!tenantId) return;
      const answer = event.payload;
      const erasure = await this.repository.lock(manager, tenantId, answer.erasureId);
      // Not ours (another deployment's test, or a forged id): nothing to confirm.
      if (!erasure || erasure.customerId !== answer.customerId) return;
      await this.repository.confirm(
        manager,
        tenantId,
        answer.erasureId,
        answer.participant,
        answer.counts,
        answer.completedAt,
      );
    });
  }
}
