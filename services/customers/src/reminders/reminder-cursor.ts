import { isUuid } from '@kanta/contracts';
import { decodeKeysetCursor, encodeKeysetCursor } from '@kanta/platform';

/** The last reminder of a page: lists run by due_at, then id. */
export interface ReminderCursor {
  dueAt: Date;
  id: string;
}

export function encodeReminderCursor(cursor: ReminderCursor): string {
  return encodeKeysetCursor([cursor.dueAt.toISOString(), cursor.id]);
}

export function decodeReminderCursor(raw: string): ReminderCursor {
  const [dueAt, id] = decodeKeysetCursor(
    raw,
    (parts) => parts.length === 2 && !Number.isNaN(Date.parse(parts[0])) && isUuid(parts[1]),
  );
  return { dueAt: new Date(dueAt), id };
}
