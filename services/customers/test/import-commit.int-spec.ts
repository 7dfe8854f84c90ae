import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import {
  IMPORT_VEHICLES_DONE_V1,
  type EventEnvelope,
  type ImportVehiclesDoneV1,
  type ImportVehiclesV1,
} from '@kanta/contracts';
import { eventually } from '@kanta/testing';
import { CustomerErasure } from '../src/erasure/customer-erasure';
import { ImportCommit } from '../src/imports/commit/import-commit';
import { Imports } from '../src/imports/imports.service';
import { personRow, seedPlannedImport } from './import-commit-support';
import {
  AMQP_URL,
  problemOf,
  startCustomers,
  tenantFixture,
  type CustomersHarness,
  type TenantFixture,
} from './support';

jest.setTimeout(60_000);

type Row = Record<string, unknown>;

/*
 * The commit of a planned import (issue #16, docs/import.md "The commit"): the job through real
 * BullMQ on Redis, the cards and events in real PostgreSQL, the vehicles' answers through the
 * real broker. The import and its rows are seeded as the dry run leaves them.
 */
describe('commit of an import (real Postgres, Redis and RabbitMQ)', () => {
  let h: CustomersHarness;
  let commits: ImportCommit;
  let connection: ChannelModel;
  let channel: Channel;
  let t: TenantFixture;
  beforeAll(async () => {
    h = await startCustomers('import-commit', { importCommit: { batchSize: 4 } });
    commits = h.app.get(ImportCommit);
    connection = await amqp.connect(AMQP_URL);
    channel = await connection.createChannel();
  });
  afterAll(async () => {
    await connection.close();
    await h.close();
  });
  beforeEach(() => {
    t = tenantFixture();
  });

  const rows = (sql: string, params: unknown[] = []) => h.dataSource.query<Row[]>(sql, params);
  const importRow = async (id: string) =>
    (
      await rows('SELECT * FROM customers.imports WHERE tenant_id = $1 AND id = $2', [
        t.tenantId,
        id,
      ])
    )[0];
  const settled = (id: string, status = 'committed') =>
    eventually(async () => {
      const row = await importRow(id);
      return row.status === status ? row : undefined;
    });
  const outbox = async (type: string) =>
    (
      await rows(
        `SELECT envelope->'payload' AS payload FROM customers.outbox WHERE type = $1
          AND tenant_id = $2 ORDER BY id`,
        [type, t.tenantId],
      )
    ).map((r) => r.payload as Record<string, unknown>);
  const answer = (payload: ImportVehiclesDoneV1): void => {
    const event: EventEnvelope = {
      eventId: randomUUID(),
      type: IMPORT_VEHICLES_DONE_V1,
      occurredAt: new Date().toISOString(),
      tenantId: t.tenantId,
      producer: 'vehicles',
      correlationId: null,
      payload,
    };
    channel.publish(h.eventsExchange, event.type, Buffer.from(JSON.stringify(event)), {
      persistent: true,
    });
  };

  it('creates every planned customer exactly once, in batches, with origin import, the import id, numbers and created events', async () => {
    const consentTextId = randomUUID();
    const id = await seedPlannedImport(
      h.dataSource,
      t.tenantId,
      [
        ...Array.from({ length: 9 }, (_, i) =>
          personRow(
            i + 1,
            i === 0 ? { consents: { emailMarketing: true, smsMarketing: false } } : {},
          ),
        ),
        {
          rowNumber: 10,
          outcome: 'error',
          errors: [{ field: 'phone', reason: 'invalid', message: 'x' }],
        },
      ],
      { consentTextId },
    );
    await commits.start(t.admin, id, 'skip');
    const done = await settled(id);
    expect(done).toMatchObject({
      committed_through: 10,
      n_created: 9,
      n_updated: 0,
      n_failed: 0,
      n_skipped: 0,
      vehicle_batches_sent: 0,
    });
    const made = await rows(
      `SELECT origin, import_id, customer_number, station_ids FROM customers.customers
        WHERE tenant_id = $1`,
      [t.tenantId],
    );
    expect(made).toHaveLength(9);
    expect(new Set(made.map((c) => c.customer_number)).size).toBe(9);
    for (const c of made) {
      expect(c).toMatchObject({ origin: 'import', import_id: id, station_ids: [t.stationA] });
    }
    const results = await rows(
      `SELECT row_number, result, planned, customer_id FROM customers.import_rows
        WHERE tenant_id = $1 AND import_id = $2 ORDER BY row_number`,
      [t.tenantId, id],
    );
    expect(results.slice(0, 9).every((r) => r.result === 'created' && r.customer_id)).toBe(true);
    // The planned values are gone once committed; the error row was never committable.
    expect(results.every((r) => r.planned === null)).toBe(true);
    expect(results[9]).toMatchObject({ result: null, customer_id: null });
    const created = await outbox('customers.customer.created.v1');
    expect(created).toHaveLength(9);
    expect(created[0]).toMatchObject({
      origin: 'import',
      hasEmail: true,
      hasPhone: true,
      consents: {
        source: 'import',
        recordedBy: t.admin.userId,
        decisions: [
          { purpose: 'marketing_email', decision: 'granted', textId: consentTextId },
          { purpose: 'marketing_sms', decision: 'withdrawn', textId: consentTextId },
        ],
      },
    });
    expect(created[1].consents).toBeUndefined();
    // Cards that came in bulk: the tenant's full duplicate scan runs after the commit.
    await eventually(async () => {
      const [scan] = await rows(
        'SELECT status FROM customers.duplicate_scans WHERE tenant_id = $1',
        [t.tenantId],
      );
      return scan?.status === 'completed' ? scan : undefined;
    }, 15_000);

    // Run again (a job delivered twice, the sweep): nothing more.
    await importRowsBack(id);
    expect(await commits.run(t.tenantId, id)).toBe('stopped');
    const [{ count }] = await rows(
      'SELECT count(*)::int AS count FROM customers.customers WHERE tenant_id = $1',
      [t.tenantId],
    );
    expect(count).toBe(9);
  });

  /** A committed import run again must stay as it is (its status is no longer committing). */
  const importRowsBack = async (id: string) => {
    const row = await importRow(id);
    expect(row.status).toBe('committed');
  };

  it('sends the consent columns of an import without a named text as decisions under an unknown text (textId null)', async () => {
    const id = await seedPlannedImport(h.dataSource, t.tenantId, [
      personRow(1, { consents: { emailMarketing: true } }),
      personRow(2, { consents: { emailMarketing: false, smsMarketing: true } }),
      personRow(3),
    ]);
    await commits.start(t.admin, id, 'skip');
    expect(await settled(id)).toMatchObject({ n_created: 3, n_failed: 0 });
    const created = await outbox('customers.customer.created.v1');
    expect(created.map((c) => c.consents)).toEqual([
      {
        source: 'import',
        recordedBy: t.admin.userId,
        decisions: [{ purpose: 'marketing_email', decision: 'granted', textId: null }],
      },
      {
        source: 'import',
        recordedBy: t.admin.userId,
        decisions: [
          { purpose: 'marketing_email', decision: 'withdrawn', textId: null },
          { purpose: 'marketing_sms', decision: 'granted', textId: null },
        ],
      },
      undefined,
    ]);
  });

  it('fails a row whose customer number was taken since the dry run, and commits every other row', async () => {
    const numbered = (rowNumber: number, customerNumber: string) => {
      const row = personRow(rowNumber);
      row.planned!.customer.customerNumber = customerNumber;
      return row;
    };
    const id = await seedPlannedImport(h.dataSource, t.tenantId, [
      personRow(1),
      numbered(2, 'T-100'),
      numbered(3, 'T-200'),
      personRow(4),
      personRow(5),
    ]);
    // Someone types the number at the reception between the dry run and the commit.
    await h.customers.create(t.admin, {
      firstName: 'Reception',
      lastName: 'First',
      customerNumber: 'T-200',
    });
    await commits.start(t.admin, id, 'skip');
    const done = await settled(id);
    expect(done).toMatchObject({ n_created: 4, n_failed: 1, committed_through: 5 });
    const failed = await rows(
      `SELECT row_number, result, errors FROM customers.import_rows
        WHERE tenant_id = $1 AND import_id = $2 AND result = 'failed'`,
      [t.tenantId, id],
    );
    expect(failed).toEqual([
      {
        row_number: 3,
        result: 'failed',
        errors: [{ field: 'customerNumber', reason: 'taken', message: expect.any(String) }],
      },
    ]);
    const numbers = await rows(
      `SELECT customer_number FROM customers.customers WHERE tenant_id = $1 AND import_id = $2
        ORDER BY customer_number`,
      [t.tenantId, id],
    );
    expect(numbers.map((n) => n.customer_number)).toContain('T-100');
    expect(numbers).toHaveLength(4);
  });

  it('fails only the colliding row when the number is taken between the check and the insert (row by row under savepoints)', async () => {
    const row = personRow(2);
    row.planned!.customer.customerNumber = 'RACE-1';
    const id = await seedPlannedImport(h.dataSource, t.tenantId, [personRow(1), row, personRow(3)]);
    // A trigger takes the number at the moment the batch inserts: as a concurrent create would.
    await h.db.query(`
      CREATE FUNCTION customers.race_number() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.customer_number = 'RACE-1' AND NEW.import_id IS NOT NULL THEN
          INSERT INTO customers.customers (tenant_id, id, kind, last_name, customer_number, status)
          VALUES (NEW.tenant_id, gen_random_uuid(), 'person', 'Racer', 'RACE-1', 'active')
          ON CONFLICT DO NOTHING;
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER race_number BEFORE INSERT ON customers.customers
        FOR EACH ROW EXECUTE FUNCTION customers.race_number();`);
    try {
      await commits.start(t.admin, id, 'skip');
      const done = await settled(id);
      expect(done).toMatchObject({ n_created: 2, n_failed: 1 });
    } finally {
      await h.db.query(`DROP TRIGGER race_number ON customers.customers;
        DROP FUNCTION customers.race_number();`);
    }
    const results = await rows(
      `SELECT row_number, result FROM customers.import_rows
        WHERE tenant_id = $1 AND import_id = $2 ORDER BY row_number`,
      [t.tenantId, id],
    );
    expect(results.map((r) => r.result)).toEqual(['created', 'failed', 'created']);
  });

  it('updates planned updates, merges duplicates into their empty fields, skips duplicates in the file', async () => {
    const existing = await h.customers.create(t.admin, {
      firstName: 'Olemassa',
      lastName: 'Oleva',
      email: 'oleva@example.test',
    });
    const other = await h.customers.create(t.admin, {
      firstName: 'Toinen',
      lastName: 'Kortti',
      notes: 'kept',
    });
    const id = await seedPlannedImport(h.dataSource, t.tenantId, [
      {
        rowNumber: 1,
        outcome: 'update',
        customerId: existing.customer.id,
        planned: {
          customer: { origin: 'import', firstName: 'Uusi', lastName: 'Oleva', notes: 'imported' },
          vehicle: { registration: 'ABC-1' },
        },
      },
      {
        rowNumber: 2,
        outcome: 'duplicate',
        customerId: other.customer.id,
        planned: {
          customer: {
            origin: 'import',
            firstName: 'Muu',
            lastName: 'Kortti',
            notes: 'not over the card',
            email: 'toinen@example.test',
          },
          vehicle: { registration: 'XYZ-2', vin: 'WVWZZZ1JZ3W386752' },
        },
      },
      { rowNumber: 3, outcome: 'duplicate_in_file', planned: null },
    ]);
    await commits.start(t.admin, id, 'merge');
    const done = await settled(id, 'committing');
    await eventually(async () => ((await importRow(id)).customers_done_at ? true : undefined));
    expect(await importRow(id)).toMatchObject({
      n_updated: 1,
      n_merged: 1,
      n_skipped: 1,
      vehicle_batches_sent: 1,
    });
    expect(done.status).toBe('committing');
    const [updated] = await rows(
      'SELECT first_name, notes, email, version FROM customers.customers WHERE id = $1',
      [existing.customer.id],
    );
    expect(updated).toEqual({
      first_name: 'Uusi',
      notes: 'imported',
      email: 'oleva@example.test',
      version: 2,
    });
    const [merged] = await rows(
      'SELECT first_name, notes, email FROM customers.customers WHERE id = $1',
      [other.customer.id],
    );
    // A merge only fills what the card lacks.
    expect(merged).toEqual({ first_name: 'Toinen', notes: 'kept', email: 'toinen@example.test' });
    const updatedEvents = await outbox('customers.customer.updated.v1');
    expect(updatedEvents.map((e) => e.changedFields)).toEqual(
      expect.arrayContaining([['firstName', 'notes'], ['email']]),
    );
    const [vehicles] = (await outbox(
      'customers.import.vehicles.v1',
    )) as unknown as ImportVehiclesV1[];
    expect(vehicles).toEqual({
      importId: id,
      batch: 1,
      vehicles: [
        {
          rowNumber: 1,
          customerId: existing.customer.id,
          plate: 'ABC-1',
          vin: null,
          make: null,
          model: null,
          year: null,
        },
        {
          rowNumber: 2,
          customerId: other.customer.id,
          plate: 'XYZ-2',
          vin: 'WVWZZZ1JZ3W386752',
          make: null,
          model: null,
          year: null,
        },
      ],
    });

    // The vehicles service answers (twice: counted once); the import is committed then.
    const payload = {
      importId: id,
      batch: 1,
      created: 1,
      linked: 0,
      refused: [{ rowNumber: 2, field: 'vin' as const, reason: 'vin-taken' as const }],
    };
    answer(payload);
    answer(payload);
    const committed = await settled(id);
    expect(committed).toMatchObject({
      vehicle_batches_done: 1,
      n_vehicles_created: 1,
      n_vehicles_refused: 1,
    });
    const [refusedRow] = await rows(
      `SELECT errors FROM customers.import_rows WHERE tenant_id = $1 AND import_id = $2
        AND row_number = 2`,
      [t.tenantId, id],
    );
    expect(refusedRow.errors).toEqual([
      { field: 'vin', reason: 'vin-taken', message: expect.any(String) },
    ]);
  });

  it('stops after the current batch when the import is cancelled, and says how many rows were committed', async () => {
    const id = await seedPlannedImport(
      h.dataSource,
      t.tenantId,
      Array.from({ length: 40 }, (_, i) => personRow(i + 1)),
    );
    // The cancel waits for the batch holding the import's row, then the next batch sees it.
    await h.db.query(`
      CREATE FUNCTION customers.cancel_midway() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.committed_through = 8 AND OLD.committed_through = 4 THEN
          NEW.status := 'cancelled';
          NEW.cancelled_at := now();
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER cancel_midway BEFORE UPDATE ON customers.imports
        FOR EACH ROW EXECUTE FUNCTION customers.cancel_midway();`);
    try {
      await commits.start(t.admin, id, 'skip');
      const cancelled = await settled(id, 'cancelled');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await importRow(id)).toMatchObject({ committed_through: 8, n_created: 8 });
      expect(cancelled.committed_through).toBe(8);
    } finally {
      await h.db.query(`DROP TRIGGER cancel_midway ON customers.imports;
        DROP FUNCTION customers.cancel_midway();`);
    }
    const [{ count }] = await rows(
      'SELECT count(*)::int AS count FROM customers.customers WHERE import_id = $1',
      [id],
    );
    expect(count).toBe(8);
  });

  it('DELETE during a running commit stops it after the batch in flight; what was committed stays and is counted', async () => {
    const id = await seedPlannedImport(
      h.dataSource,
      t.tenantId,
      Array.from({ length: 600 }, (_, i) => personRow(i + 1)),
    );
    await commits.start(t.admin, id, 'skip');
    await eventually(async () =>
      Number((await importRow(id)).committed_through) > 0 ? true : undefined,
    );
    const answer = await h.app.get(Imports).delete(t.admin, id);
    expect(answer.status).toBe('cancelled');
    // The run sees it at its next batch and stops; nothing moves after.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const stopped = await importRow(id);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await importRow(id)).toMatchObject({
      status: 'cancelled',
      committed_through: stopped.committed_through,
    });
    expect(stopped.committed_through).toBeLessThan(600);
    const [{ cards, results }] = await rows(
      `SELECT (SELECT count(*)::int FROM customers.customers WHERE import_id = $2) AS cards,
              (SELECT count(*)::int FROM customers.import_rows WHERE tenant_id = $1
                 AND import_id = $2 AND result = 'created') AS results`,
      [t.tenantId, id],
    );
    expect(cards).toBe(stopped.n_created);
    expect(results).toBe(stopped.n_created);
    expect(cards).toBe(stopped.committed_through);
  });

  it("an erasure deletes the erased customer's import rows, and only theirs", async () => {
    const id = await seedPlannedImport(h.dataSource, t.tenantId, [personRow(1), personRow(2)]);
    await commits.start(t.admin, id, 'skip');
    await settled(id);
    const [first] = await rows(
      `SELECT customer_id FROM customers.import_rows WHERE tenant_id = $1 AND import_id = $2
        AND row_number = 1`,
      [t.tenantId, id],
    );
    const erasure = await h.dataSource.transaction((manager) =>
      h.app.get(CustomerErasure).erase(manager, t.tenantId, first.customer_id as string),
    );
    expect(erasure.counts).toMatchObject({ customers: 1, importRows: 1 });
    const left = await rows(
      'SELECT row_number FROM customers.import_rows WHERE tenant_id = $1 AND import_id = $2',
      [t.tenantId, id],
    );
    expect(left).toEqual([{ row_number: 2 }]);
  });

  it('refuses to commit an import that is not planned (409), another tenant’s (404), and a worker (403)', async () => {
    const id = await seedPlannedImport(h.dataSource, t.tenantId, [personRow(1)]);
    expect(await problemOf(commits.start(t.worker, id, 'skip'))).toMatchObject({ status: 403 });
    expect(await problemOf(commits.start(tenantFixture().admin, id, 'skip'))).toMatchObject({
      status: 404,
    });
    await commits.start(t.admin, id, 'skip');
    expect(await problemOf(commits.start(t.admin, id, 'skip'))).toMatchObject({
      status: 409,
      type: expect.stringContaining('import-not-planned'),
    });
    await settled(id);
  });
});
