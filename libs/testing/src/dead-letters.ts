import type { DataSource } from 'typeorm';
import { eventually } from './eventually';

/** What a test reads of a dead letter a service kept. */
export interface KeptDeadLetter {
  reason: string;
  last_error: string;
  attempts: number;
  consumer: string;
  tenant_id: string | null;
}

/** Waits for the dead letter `schema` keeps of an event (dead_letters, drained from its DLQ). */
export function deadLetterOf(
  dataSource: DataSource,
  schema: string,
  eventId: string,
  timeoutMs = 10_000,
): Promise<KeptDeadLetter> {
  return eventually(async () => {
    const [row] = await dataSource.query<KeptDeadLetter[]>(
      `SELECT reason, last_error, attempts, consumer, tenant_id FROM "${schema}".dead_letters
        WHERE event_id = $1`,
      [eventId],
    );
    return row;
  }, timeoutMs);
}
