import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { OUTBOX_MARK_V1 } from '@kanta/contracts';
import { EventConsumer } from '@kanta/messaging';

/** How long an arrived mark is kept: its report has stopped waiting for it long before. */
const MARK_RETENTION = '1 hour';

/**
 * The outbox marks that have arrived from the sources (`reporting.outbox_marks`), recorded by
 * OutboxMarksConsumer; a mark recorded means the events its source delivered before it are
 * applied (README, "Catching up", for the limits).
 */
@Injectable()
export class OutboxMarks {
  /** The sources whose mark `markId` has arrived. */
  async arrived(manager: EntityManager, markId: string): Promise<Set<string>> {
    const rows = await manager.query<{ source: string }[]>(
      'SELECT source FROM reporting.outbox_marks WHERE mark_id = $1',
      [markId],
    );
    return new Set(rows.map((row) => row.source));
  }

  /** Forgets a mark once its report has stopped waiting, and the marks that came too late. */
  async forget(manager: EntityManager, markId: string): Promise<void> {
    await manager.query(
      `DELETE FROM reporting.outbox_marks
        WHERE mark_id = $1 OR arrived_at < now() - interval '${MARK_RETENTION}'`,
      [markId],
    );
  }
}

/**
 * Records each outbox mark in the transaction of its batch, after the events delivered before
 * it: the envelope's producer is the source.
 */
@Injectable()
export class OutboxMarksConsumer implements OnModuleInit {
  constructor(private readonly events: EventConsumer) {}

  onModuleInit(): void {
    this.events.onBatch(OUTBOX_MARK_V1, async (marks, { manager }) => {
      await manager.query(
        `INSERT INTO reporting.outbox_marks (mark_id, source)
         SELECT * FROM unnest($1::uuid[], $2::text[]) ON CONFLICT DO NOTHING`,
        [marks.map((mark) => mark.payload.markId), marks.map((mark) => mark.producer)],
      );
    });
  }
}
