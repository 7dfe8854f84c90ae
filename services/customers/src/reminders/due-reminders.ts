import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { REMINDER_DUE_V1 } from '@kanta/contracts';
import { Outbox, type OutboxEvent } from '@kanta/messaging';
import type { ReminderRow } from './reminder-row';
import { RemindersRepository, type DueTarget } from './reminders.repository';

/** Reminders made due per sweep transaction. */
export const SWEEP_BATCH_SIZE = 500;

/** What a due job found. */
export type DueOutcome = 'made-due' | 'too-early' | 'nothing-to-do';

/**
 * The one way a reminder becomes due, for its job and for the sweep alike: the row changes from
 * scheduled to due and its `customers.reminder.due.v1` event is written in the same transaction,
 * so every reminder that becomes due is announced exactly once, whoever got there first.
 */
@Injectable()
export class DueReminders {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: RemindersRepository,
    private readonly outbox: Outbox,
  ) {}

  /**
   * The job of a reminder at `dueAt`. A job for an older due time, or for a reminder that is done,
   * deleted or already due, does nothing. A job that runs a little before its reminder's time
   * (clocks of the job's host and the database differ) is `too-early`, and the job is retried.
   */
  async makeDue(tenantId: string, id: string, dueAt: Date): Promise<DueOutcome> {
    const [row] = await this.mark({ tenantId, id });
    if (row) return 'made-due';
    const state = await this.repository.findState(tenantId, id);
    return state?.status === 'scheduled' && state.due_at.getTime() === dueAt.getTime()
      ? 'too-early'
      : 'nothing-to-do';
  }

  /** Every scheduled reminder whose time has come, in batches; answers how many became due. */
  async sweep(batchSize = SWEEP_BATCH_SIZE): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.mark({ batchSize });
      total += rows.length;
      if (rows.length < batchSize) return total;
    }
  }

  private mark(target: DueTarget): Promise<ReminderRow[]> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await this.repository.markDue(manager, target);
      await this.outbox.enqueue(manager, rows.map(dueEvent));
      return rows;
    });
  }
}

/** Ids and the time only: the comment is free text about a person and stays in the row. */
function dueEvent(row: ReminderRow): OutboxEvent<typeof REMINDER_DUE_V1> {
  return {
    type: REMINDER_DUE_V1,
    tenantId: row.tenant_id,
    correlationId: null,
    payload: {
      reminderId: row.id,
      customerId: row.customer_id,
      assigneeUserId: row.assignee_user_id,
      dueAt: row.due_at.toISOString(),
    },
  };
}
