import type { ReminderStatus, ReminderView } from '@kanta/contracts';
import { formatInZone } from './local-time';

/** What the table stores; the API shows `upcoming` for a scheduled reminder still to come. */
export type StoredReminderStatus = 'scheduled' | 'due' | 'done';

/** A customers.reminders row as the repository reads it. */
export interface ReminderRow {
  tenant_id: string;
  id: string;
  customer_id: string;
  assignee_user_id: string;
  due_at: Date;
  comment: string;
  status: StoredReminderStatus;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  became_due_at: Date | null;
  done_at: Date | null;
  version: number;
}

/** A scheduled reminder whose time has come is due, even if its job has not run yet. */
export function statusOf(row: ReminderRow, now = Date.now()): ReminderStatus {
  if (row.status === 'scheduled') return row.due_at.getTime() <= now ? 'due' : 'upcoming';
  return row.status;
}

export function toReminderView(row: ReminderRow, timeZone: string): ReminderView {
  return {
    id: row.id,
    customerId: row.customer_id,
    assigneeUserId: row.assignee_user_id,
    dueAt: row.due_at.toISOString(),
    dueAtLocal: formatInZone(row.due_at.getTime(), timeZone),
    timeZone,
    comment: row.comment,
    status: statusOf(row),
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    becameDueAt: row.became_due_at?.toISOString() ?? null,
    doneAt: row.done_at?.toISOString() ?? null,
    version: row.version,
  };
}
