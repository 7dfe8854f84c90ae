import type { PostgresSettings } from '@kanta/database';
import type { RebuildOptions } from './rebuild/read-model-rebuild';

/** What the app module needs from outside; main.ts reads it from the environment, tests build it. */
export interface ReportingAppOptions {
  postgres: PostgresSettings;
  dbPoolSize?: number;
  amqpUrl: string;
  /** Broker names of its own (tests); default EVENTS_EXCHANGE / EVENTS_QUEUE_PREFIX. */
  messaging?: { eventsExchange?: string; queuePrefix?: string };
  /** The read model's rebuild (config `rebuild`); without it, the owners' default queues. */
  rebuild?: Omit<RebuildOptions, 'amqpUrl'>;
}
