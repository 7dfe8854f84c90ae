import type { PostgresSettings } from '@kanta/database';
import type { ExportSourceQueues } from './config';

/** What the app module needs from outside; main.ts reads it from the environment, tests build it. */
export interface PrivacyAppOptions {
  postgres: PostgresSettings;
  dbPoolSize?: number;
  amqpUrl: string;
  redisUrl: string;
  /** BullMQ key prefix (JOBS_PREFIX). */
  jobsPrefix?: string;
  /** How often the sweep erases due deletion requests whose job was lost; default 60 s. */
  deletionSweepIntervalMs?: number;
  /** How often the retention sweep runs; default 6 h. */
  retentionSweepIntervalMs?: number;
  /** Broker names of its own (tests); default EVENTS_EXCHANGE / EVENTS_QUEUE_PREFIX. */
  messaging?: { eventsExchange?: string; queuePrefix?: string };
  /** How long a call about an unknown customer waits for its created event; default 2000 ms. */
  customerWaitMs?: number;
  /** How long a merge request waits for the customers service's answer; default 3000 ms. */
  mergeAnswerWaitMs?: number;
  /** Data exports: days a file is kept (7), the sweep's interval (60 s), the RPC timeout (30 s). */
  exportRetentionDays?: number;
  exportSweepIntervalMs?: number;
  exportRpcTimeoutMs?: number;
  /** The command queues an export gathers from; default the services' queues without prefix. */
  exportSources?: ExportSourceQueues;
}
