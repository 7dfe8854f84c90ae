import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import JSZip from 'jszip';
import {
  CONSENTS,
  CUSTOMERS,
  PRIVACY,
  VEHICLES,
  type CallerContext,
  type ConsentDataExport,
  type CustomerDataExport,
  type VehicleDataExport,
} from '@kanta/contracts';
import { RPC_QUEUE_OPTIONS } from '@kanta/platform';
import { commandFor, problemOf } from '@kanta/testing';
import { Erasures } from '../src/erasures/erasures.service';
import { DataExportsRepository } from '../src/exports/data-exports.repository';
import { DataExports } from '../src/exports/data-exports.service';
import { EXPORT_ATTEMPTS } from '../src/exports/export-jobs';
import { ExportRun, ExportSourceUnavailable } from '../src/exports/export-run';
import { ExportSweep } from '../src/exports/export-sweep';
import { startPrivacy, type PrivacyHarness } from './privacy-harness';

/*
 * Data exports in the privacy service: what a request checks and records, what a run does when a
 * service does not answer (no customers, vehicles or consents service runs here: their command
 * queues get no answer), the file's answers by status, and an erasure deleting the exports. The
 * whole hand-over, with every service answering, is test/e2e/data-export.e2e-spec.ts.
 */
describe('privacy service: data exports (real Postgres, RabbitMQ and Redis)', () => {
  let h: PrivacyHarness;

  beforeAll(async () => {
    // A sweep that runs only when a test runs it; a service's silence noticed in 300 ms.
    h = await startPrivacy('exports', {
      exportSweepIntervalMs: 3_600_000,
      exportRpcTimeoutMs: 300,
    });
  });

  afterAll(async () => {
    await h?.close();
  });

  const request = (context: CallerContext, customerId: string) =>
    h.app
      .get(DataExports)
      .request(context, { customerId }, commandFor(PRIVACY.requestExport, context, { customerId }));
  const file = (context: CallerContext, id: string) => h.app.get(DataExports).file(context, id);
  /** An export recorded without its job, for a test that runs it itself. */
  const recorded = async (customerId: string, context = h.admin) => {
    const id = randomUUID();
    await h.app.get(DataExportsRepository).insert(h.dataSource.manager, {
      tenantId: context.tenant!.id,
      id,
      customerId,
      requestedBy: context.userId,
      context,
      correlationId: null,
    });
    return id;
  };
  const row = async (id: string) =>
    (
      await h.dataSource.query<{ status: string; failure: string | null; file: Buffer | null }[]>(
        'SELECT status, failure, file FROM privacy.data_exports WHERE id = $1',
        [id],
      )
    )[0];

  it('records a request pending, with an export entry in the access audit', async () => {
    const { customerId } = await h.knownCustomer();
    const view = await request(h.admin, customerId);
    expect(view).toMatchObject({
      customerId,
      status: 'pending',
      requestedBy: h.admin.userId,
      progress: { done: 0, total: 4, parts: [] },
      failure: null,
      expiresAt: null,
      sizeBytes: null,
    });
    const audit = await h.dataSource.query<{ action: string; user_id: string }[]>(
      `SELECT action, user_id FROM privacy.access_log WHERE $1 = ANY(customer_ids)`,
      [customerId],
    );
    expect(audit).toEqual([{ action: 'export', user_id: h.admin.userId }]);
    // Its job may have begun meanwhile (no service answers it here).
    expect(await h.app.get(DataExports).get(h.admin, view.id)).toMatchObject({
      id: view.id,
      customerId,
      requestedAt: view.requestedAt,
    });
    expect(await problemOf(h.app.get(DataExports).get(h.otherTenant, view.id))).toMatchObject({
      status: 404,
    });
  });

  it('refuses an unknown, erased or merged customer, naming the survivor of a merge', async () => {
    expect(await problemOf(request(h.admin, randomUUID()))).toMatchObject({ status: 404 });
    const { customerId } = await h.knownCustomer();
    expect(await problemOf(request(h.otherTenant, customerId))).toMatchObject({ status: 404 });

    const erased = await h.knownCustomer();
    await h.dataSource.query(
      `UPDATE privacy.known_customers SET status = 'erased' WHERE customer_id = $1`,
      [erased.customerId],
    );
    expect(await problemOf(request(h.admin, erased.customerId))).toMatchObject({
      status: 409,
      type: expect.stringContaining('customer-erased'),
    });

    const survivor = await h.knownCustomer();
    const duplicate = await h.knownCustomer();
    await h.dataSource.query(
      `UPDATE privacy.known_customers SET status = 'merged', merged_into = $2
        WHERE customer_id = $1`,
      [duplicate.customerId, survivor.customerId],
    );
    expect(await problemOf(request(h.admin, duplicate.customerId))).toMatchObject({
      status: 409,
      type: expect.stringContaining('customer-merged'),
      survivorId: survivor.customerId,
    });
  });

  it('puts an export back to pending while a service does not answer, and fails it naming the part on the last attempt', async () => {
    const { customerId } = await h.knownCustomer();
    const id = await recorded(customerId);
    const run = h.app.get(ExportRun);

    for (let attempt = 1; attempt < EXPORT_ATTEMPTS; attempt += 1) {
      await expect(run.run(h.tenantId, id)).rejects.toBeInstanceOf(ExportSourceUnavailable);
      expect(await row(id)).toMatchObject({ status: 'pending', failure: null });
    }

    expect(await run.run(h.tenantId, id)).toBe('failed');
    expect(await row(id)).toMatchObject({ status: 'failed', failure: 'customers: 504' });
    // A failed export is not run again.
    expect(await run.run(h.tenantId, id)).toBe('skipped');
    expect(await problemOf(file(h.admin, id))).toMatchObject({
      status: 409,
      type: expect.stringContaining('export-failed'),
    });
  });

  it('fails an export whose job was lost once the sweep has run it its attempts while a service does not answer', async () => {
    const { customerId } = await h.knownCustomer();
    const id = await recorded(customerId);
    await h.dataSource.query(
      `UPDATE privacy.data_exports SET requested_at = now() - interval '2 minutes' WHERE id = $1`,
      [id],
    );
    const sweep = h.app.get(ExportSweep).sweep;
    for (let attempt = 1; attempt < EXPORT_ATTEMPTS; attempt += 1) {
      await sweep.runOnce();
      expect(await row(id)).toMatchObject({ status: 'pending', failure: null });
    }
    // The attempts are the row's: the sweep's runs count like the job's retries.
    await sweep.runOnce();
    expect(await row(id)).toMatchObject({ status: 'failed', failure: 'customers: 504' });
  });

  it('answers the file 409 while pending, 410 once expired, 404 for another tenant', async () => {
    const { customerId } = await h.knownCustomer();
    const id = await recorded(customerId);
    expect(await problemOf(file(h.admin, id))).toMatchObject({
      status: 409,
      type: expect.stringContaining('export-not-ready'),
    });
    expect(await problemOf(file(h.otherTenant, id))).toMatchObject({ status: 404 });
    expect(await problemOf(file(h.admin, randomUUID()))).toMatchObject({ status: 404 });

    await h.dataSource.query(
      `UPDATE privacy.data_exports SET status = 'ready', file = '\\x504b'::bytea,
              expires_at = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    await h.app.get(ExportSweep).sweep.runOnce();
    expect(await row(id)).toMatchObject({ status: 'expired', file: null });
    expect(await problemOf(file(h.admin, id))).toMatchObject({
      status: 410,
      type: expect.stringContaining('export-expired'),
    });
  });

  it('hands over a ready file, recording a handover entry per download', async () => {
    const { customerId } = await h.knownCustomer();
    const id = await recorded(customerId);
    await h.dataSource.query(
      `UPDATE privacy.data_exports SET status = 'ready', file = '\\x504b0304'::bytea,
              expires_at = now() + interval '7 days' WHERE id = $1`,
      [id],
    );
    const answer = await file(h.admin, id);
    expect(answer).toEqual({
      fileName: `data-export-${id}.zip`,
      contentBase64: Buffer.from([0x50, 0x4b, 0x03, 0x04]).toString('base64'),
    });
    await file(h.admin, id);
    const handovers = await h.dataSource.query<unknown[]>(
      `SELECT 1 FROM privacy.access_log WHERE action = 'handover' AND $1 = ANY(customer_ids)`,
      [customerId],
    );
    expect(handovers).toHaveLength(2);
  });

  it('runs an export whose job was lost once it has waited a minute (the sweep), into a ready ZIP', async () => {
    const { customerId } = await h.knownCustomer();
    // The three services' answers, from responders on their command queues.
    const parts = {
      [CUSTOMERS.exportCustomer.pattern]: {
        customer: { id: customerId, lastName: 'Sweepinen' },
        reminders: [],
        marketingConsents: [],
      } as unknown as CustomerDataExport,
      [VEHICLES.exportCustomer.pattern]: {
        vehicles: [],
        visits: [],
        sales: [],
      } satisfies VehicleDataExport,
      [CONSENTS.exportCustomer.pattern]: {
        current: [],
        history: [],
        texts: [],
        preferences: {
          customerId,
          blocked: false,
          preferredChannel: 'email',
          serviceNotifications: true,
          version: 0,
          updatedAt: null,
        },
      } satisfies ConsentDataExport,
    };
    const broker = await connect(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672');
    try {
      const channel = await broker.createChannel();
      for (const service of ['customers', 'vehicles', 'consents']) {
        const queue = `${h.queuePrefix}kanta.rpc.${service}`;
        await channel.assertQueue(queue, RPC_QUEUE_OPTIONS);
        await channel.consume(
          queue,
          (message) => {
            if (!message) return;
            const { pattern } = JSON.parse(message.content.toString()) as { pattern: string };
            channel.sendToQueue(
              message.properties.replyTo as string,
              Buffer.from(JSON.stringify({ response: parts[pattern], isDisposed: true })),
              { correlationId: message.properties.correlationId as string },
            );
          },
          { noAck: true },
        );
      }
      const waited = await recorded(customerId);
      const fresh = await recorded(customerId);
      await h.dataSource.query(
        `UPDATE privacy.data_exports SET requested_at = now() - interval '2 minutes'
          WHERE id = $1`,
        [waited],
      );
      await h.app.get(ExportSweep).sweep.runOnce();

      expect(await row(fresh)).toMatchObject({ status: 'pending' });
      const ready = await row(waited);
      expect(ready.status).toBe('ready');
      const zip = await JSZip.loadAsync(ready.file!);
      const json = JSON.parse(await zip.file('data.json')!.async('string')) as {
        customers: CustomerDataExport;
        privacy: { accessLog: unknown[]; merges: unknown[] };
      };
      expect(json.customers.customer.lastName).toBe('Sweepinen');
      expect(json.privacy).toEqual({ accessLog: [], merges: [] });
    } finally {
      await broker.close();
    }
  });

  it("deletes the customer's exports, files and all, when their erasure begins; others stay", async () => {
    const erased = await h.knownCustomer();
    const other = await h.knownCustomer();
    const mine = await recorded(erased.customerId);
    const theirs = await recorded(other.customerId);
    await h.dataSource.query(
      `UPDATE privacy.data_exports SET status = 'ready', file = '\\x504b'::bytea,
              expires_at = now() + interval '7 days' WHERE id = ANY($1::uuid[])`,
      [[mine, theirs]],
    );
    await h.dataSource.transaction((manager) =>
      h.app.get(Erasures).begin(manager, {
        tenantId: h.tenantId,
        customerId: erased.customerId,
        reason: 'customer_request',
        requestedBy: h.admin.userId,
        correlationId: null,
      }),
    );
    expect(await row(mine)).toBeUndefined();
    expect(await row(theirs)).toMatchObject({ status: 'ready' });
    // A run that was gathering meanwhile finds its row gone and stores nothing.
    expect(await h.app.get(ExportRun).run(h.tenantId, mine)).toBe('skipped');
  });
});
