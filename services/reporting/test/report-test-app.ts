import { randomBytes, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import { connect, type ChannelModel } from 'amqplib';
import ExcelJS from 'exceljs';
import { DataSource } from 'typeorm';
import type { CallerContext, EventPayloads, EventType } from '@kanta/contracts';
import { deleteBrokerObjects, systemBrokerNames } from '@kanta/messaging';
import { createTestDatabase, deleteRedisKeys, type TestDatabase } from '@kanta/testing';
import { csvParts } from '@kanta/testing/report-csv';
import { AppModule } from '../src/app.module';
import type { ReportingAppOptions } from '../src/app-options';
import { Reports } from '../src/reports/reports.service';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A reporting service of a test file's own: its database, broker names, jobs and files. */
export interface ReportTestApp {
  app: INestApplication;
  dataSource: DataSource;
  /** Publishes an event of another service to this service's exchange, persistent. */
  publish<T extends EventType>(type: T, tenantId: string, payload: EventPayloads[T]): Promise<void>;
  /** Its database, which holds every service's schema (for stand-ins of other services). */
  db: TestDatabase;
  /** Its broker names, for other services' stand-ins to publish to. */
  messaging: { eventsExchange: string; queuePrefix: string };
  close(): Promise<void>;
}

/**
 * Starts the reporting service on a fresh database (real Postgres, RabbitMQ and Redis) with
 * names of its own, so test files run side by side; its sweep runs only when a test runs it.
 */
export async function startReportTestApp(
  name: string,
  options: Partial<ReportingAppOptions> = {},
): Promise<ReportTestApp> {
  const id = randomBytes(4).toString('hex');
  const exchange = `test.reporting.${id}.events`;
  const queuePrefix = `test.reporting.${id}.`;
  const jobsPrefix = `test:reporting:${id}:jobs`;
  const reportsDir = join(tmpdir(), `kanta-${name}-${id}`);
  const db: TestDatabase = await createTestDatabase(`reporting-${name}`);
  let app: INestApplication | undefined;
  let broker: ChannelModel | undefined;
  const close = async () => {
    await broker?.close();
    await app?.close();
    await deleteBrokerObjects(
      AMQP_URL,
      systemBrokerNames({
        services: ['reporting'],
        eventsExchange: exchange,
        eventsQueuePrefix: queuePrefix,
        rpcQueues: [],
      }),
    );
    await deleteRedisKeys(`${jobsPrefix}:`);
    await db.drop();
    await rm(reportsDir, { recursive: true, force: true });
  };
  try {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppModule.forRoot({
          postgres: db.runtime('reporting'),
          amqpUrl: AMQP_URL,
          dbPoolSize: 6,
          messaging: { eventsExchange: exchange, queuePrefix },
          redisUrl: REDIS_URL,
          jobsPrefix,
          reportsDir,
          reportSweepIntervalMs: 3_600_000,
          ...options,
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  } catch (error) {
    await close();
    throw error;
  }
  const publish = async <T extends EventType>(
    type: T,
    tenantId: string,
    payload: EventPayloads[T],
  ): Promise<void> => {
    broker ??= await connect(AMQP_URL);
    const channel = await broker.createConfirmChannel();
    const envelope = {
      eventId: randomUUID(),
      type,
      occurredAt: new Date().toISOString(),
      tenantId,
      producer: type.split('.')[0],
      correlationId: null,
      payload,
    };
    channel.publish(exchange, type, Buffer.from(JSON.stringify(envelope)), {
      persistent: true,
      messageId: envelope.eventId,
      contentType: 'application/json',
    });
    await channel.waitForConfirms();
    await channel.close();
  };
  return {
    app,
    dataSource: app.get(DataSource),
    db,
    messaging: { eventsExchange: exchange, queuePrefix },
    publish,
    close,
  };
}

/** A report's whole file, through the chunks the gateway streams, and its name. */
export async function downloadReport(
  reports: Reports,
  context: CallerContext,
  reportId: string,
): Promise<{ fileName: string; bytes: Buffer }> {
  const parts: Buffer[] = [];
  let offset: string | undefined;
  let fileName: string;
  do {
    const chunk = await reports.file(context, reportId, offset);
    fileName = chunk.fileName;
    parts.push(Buffer.from(chunk.chunkBase64, 'base64'));
    offset = chunk.nextOffset ?? undefined;
  } while (offset !== undefined);
  return { fileName, bytes: Buffer.concat(parts) };
}

export { csvParts };

/** A CSV report's table: its lines without the BOM, up to what the file says about itself. */
export function csvLines(bytes: Buffer): string[] {
  return csvParts(bytes).table;
}

/** An XLSX file as exceljs reads it. */
export async function workbookOf(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(bytes as unknown as ArrayBuffer);
  return book;
}
