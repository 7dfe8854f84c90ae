import { randomBytes, randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import type { CallerContext } from '@kanta/contracts';
import { serviceDatabaseSettingsFromEnv, type PostgresSettings } from '@kanta/database';
import { AppModule } from '../../services/customers/src/app.module';
import type { CustomersAppOptions } from '../../services/customers/src/app-options';

/**
 * The customers module in the benchmark's process, as the import benchmarks run it: its own
 * jobs prefix and broker names, no relay (nothing to publish to), the reminder sweep out of the
 * way; `options` adds what each benchmark needs (its imports directory, limits, batch size).
 */
export async function startImportBenchApp(
  name: string,
  database: PostgresSettings,
  options: Partial<CustomersAppOptions>,
): Promise<{ app: INestApplicationContext; jobsPrefix: string; admin: CallerContext }> {
  const suffix = randomBytes(4).toString('hex');
  const jobsPrefix = `bench:${name}:${suffix}`;
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot({
      postgres: serviceDatabaseSettingsFromEnv('customers', process.env, database).runtime,
      amqpUrl: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
      dbPoolSize: 8,
      redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      jobsPrefix,
      reminderSweepIntervalMs: 3_600_000,
      relay: false,
      messaging: {
        eventsExchange: `bench.customers.${suffix}.events`,
        queuePrefix: `bench.${suffix}.`,
      },
      ...options,
    }),
    { logger: false },
  );
  const admin: CallerContext = {
    tenant: { id: randomUUID(), country: 'FI', locale: 'fi', timeZone: 'Europe/Helsinki' },
    userId: randomUUID(),
    role: 'admin',
    stationIds: [],
    currentStationId: null,
    correlationId: `bench-${name}`,
  };
  return { app, jobsPrefix, admin };
}
