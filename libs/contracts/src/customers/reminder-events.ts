/*
 * A reminder event says which reminder, for whom and when; never its comment, which is free text
 * about a person. A consumer that shows the reminder (a notification) reads it through the API.
 */
export const REMINDER_DUE_V1 = 'customers.reminder.due.v1';

export interface ReminderDueV1 {
  reminderId: string;
  customerId: string;
  assigneeUserId: string;
  /** The moment it was due, UTC ISO 8601. */
  dueAt: string;
}

const uuid = { type: 'string', format: 'uuid' } as const;

export const reminderDueV1Schema = {
  $id: REMINDER_DUE_V1,
  type: 'object',
  additionalProperties: true,
  required: ['reminderId', 'customerId', 'assigneeUserId', 'dueAt'],
  properties: {
    reminderId: uuid,
    customerId: uuid,
    assigneeUserId: uuid,
    dueAt: { type: 'string', format: 'date-time' },
  },
} as const;
