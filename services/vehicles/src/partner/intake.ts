import { lockKeys } from '@kanta/database';
import type { EntityManager } from 'typeorm';

/** The parts of a partner event every handler reads. */
export interface Intake {
  manager: EntityManager;
  tenantId: string;
  eventId: string;
  source: string;
  occurredAt: string;
  correlationId: string | null;
}

/** A partner event (or the customers service's answer to one) as the handlers read it. */
export function intakeOf(
  event: {
    tenantId: string | null;
    eventId: string;
    producer: string;
    occurredAt: string;
    correlationId: string | null;
  },
  manager: EntityManager,
): Intake {
  return {
    manager,
    tenantId: event.tenantId!,
    eventId: event.eventId,
    source: event.producer,
    occurredAt: event.occurredAt,
    correlationId: event.correlationId,
  };
}

/** A transaction lock on one thing of the tenant (a partner event, a booking, a plate). */
export async function lock(i: Pick<Intake, 'manager' | 'tenantId'>, what: string): Promise<void> {
  await lockKeys(i.manager, [lockKey(i, what)]);
}

export function lockKey(i: Pick<Intake, 'tenantId'>, what: string): string {
  return `vehicles:${i.tenantId}:${what}`;
}

/**
 * Splits a batch into rounds in which each key appears once, keeping the order of each key's
 * events: the first of every key, then the second, …
 */
export function rounds<T>(items: T[], key: (item: T) => string): T[][] {
  const seen = new Map<string, number>();
  const result: T[][] = [];
  for (const item of items) {
    const k = key(item);
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    (result[n] ??= []).push(item);
  }
  return result;
}
