import type { PostgresSettings } from '@kanta/database';

/** What the app module needs from outside; main.ts reads it from the environment, tests build it. */
export interface VehiclesAppOptions {
  postgres: PostgresSettings;
  dbPoolSize?: number;
  amqpUrl: string;
  /** How long a write naming a customer waits for that customer's event to arrive. */
  customerWaitMs?: number;
  /** false: do not publish the outbox (tests that read the outbox table themselves). */
  relay?: false;
  /** Broker names of their own (tests). */
  eventsExchange?: string;
  queuePrefix?: string;
  /** Consumer tuning (tests shorten the retry delay). */
  consumer?: { retryDelayMs?: number; maxAttempts?: number };
}

export const VEHICLES_OPTIONS = Symbol('VEHICLES_OPTIONS');
