import { NestFactory } from '@nestjs/core';
import type { CallerContext } from '@kanta/contracts';
import type { PostgresSettings } from '@kanta/database';
import { AppModule } from '../src/app.module';
import { ImportCommit } from '../src/imports/commit/import-commit';

/** What the kill test hands its worker process (KANTA_CHILD, JSON). */
export interface ImportCommitWorkerConfig {
  postgres: PostgresSettings;
  amqpUrl: string;
  redisUrl: string;
  jobsPrefix: string;
  eventsExchange: string;
  queuePrefix: string;
  batchSize: number;
  /** The first process starts the commit (its BullMQ job); the next ones resume it by themselves. */
  start?: { context: CallerContext; importId: string };
}

/**
 * A customers service process as far as the import commit goes (its module, BullMQ worker, the
 * commit sweep), for test/import-commit-kills.int-spec.ts to kill with SIGKILL. Prints `ready`.
 */
async function main(): Promise<void> {
  const config = JSON.parse(process.env.KANTA_CHILD ?? '{}') as ImportCommitWorkerConfig;
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot({
      postgres: config.postgres,
      amqpUrl: config.amqpUrl,
      dbPoolSize: 4,
      redisUrl: config.redisUrl,
      jobsPrefix: config.jobsPrefix,
      reminderSweepIntervalMs: 3_600_000,
      relay: false,
      importCommit: { batchSize: config.batchSize, sweepIntervalMs: 500 },
      messaging: { eventsExchange: config.eventsExchange, queuePrefix: config.queuePrefix },
    }),
    { logger: false },
  );
  await app.init();
  if (config.start) {
    await app.get(ImportCommit).start(config.start.context, config.start.importId, 'skip');
  }
  console.log('ready');
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
