import type { DataSource } from 'typeorm';
import type { CallerContext, ReminderAssignee } from '@kanta/contracts';

/** Polls until `probe` answers something truthy. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  ms = 10_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** The caller as an assignee, the way the gateway describes one. */
export function assigneeOf(caller: CallerContext): ReminderAssignee {
  return { userId: caller.userId, stationIds: caller.role === 'worker' ? caller.stationIds : null };
}

/** A moment `ms` from now as the API takes it. */
export const inMs = (ms: number): string => new Date(Date.now() + ms).toISOString();

export interface StoredReminder {
  status: 'scheduled' | 'due' | 'done';
  due_at: Date;
  became_due_at: Date | null;
}

export async function storedReminder(
  dataSource: DataSource,
  id: string,
): Promise<StoredReminder | undefined> {
  const rows = await dataSource.query<StoredReminder[]>(
    'SELECT status, due_at, became_due_at FROM customers.reminders WHERE id = $1',
    [id],
  );
  return rows[0];
}

export async function dueEvents(
  dataSource: DataSource,
  reminderId: string,
): Promise<{ envelope: { tenantId: string; payload: Record<string, unknown> } }[]> {
  return dataSource.query(
    `SELECT envelope FROM customers.outbox
      WHERE type = 'customers.reminder.due.v1' AND envelope->'payload'->>'reminderId' = $1`,
    [reminderId],
  );
}
