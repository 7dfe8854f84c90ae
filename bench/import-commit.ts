/*
 * The commit of an import against its floor (issue #16, "Performance": commit rows/s ≥ 50 % of a
 * floor that COPYs the same already-prepared rows into the same tables with the same indexes).
 * BENCH_IMPORT_ROWS planned rows (100,000; persons with name, phone, e-mail, notes; 30 % with a
 * vehicle) are seeded as the dry run leaves them and committed by the customers module in this
 * process (its job through BullMQ, batches of IMPORT_COMMIT_BATCH_SIZE, 1000). The floor then
 * COPYs (psql \copy) the cards the commit made, as stored (phone parsed, search columns
 * generated), with new ids and numbers, into another tenant's customers.customers, and their
 * created events into customers.outbox: what the commit writes, without its reads, checks,
 * row results and checkpoint. Prints both rates and their ratio.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { deleteRedisKeys } from '@kanta/testing';
import { ImportCommit } from '../services/customers/src/imports/commit/import-commit';
import { personRow, seedPlannedImport } from '../services/customers/test/import-commit-support';
import { startImportBenchApp } from './imports/customers-app';
import { runBench, scratchDatabase } from './support';

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const BATCH = Number(process.env.IMPORT_COMMIT_BATCH_SIZE ?? 1000);
const SEED_CHUNK = 20_000;

runBench(async () => {
  const db = await scratchDatabase('import_commit');
  const client = new Client(db.settings);
  await client.connect();
  const dir = mkdtempSync(join(tmpdir(), 'kanta-bench-import-'));
  const {
    app,
    jobsPrefix,
    admin: admin,
  } = await startImportBenchApp('import-commit', db.settings, {
    importsDir: dir,
    importCommit: { batchSize: BATCH },
  });
  try {
    await app.init();
    const tenantId = admin.tenant!.id;
    const rows = Array.from({ length: ROWS }, (_, i) => {
      const row = personRow(i + 1);
      row.planned!.customer.notes = `Tuotu rivi ${i + 1}`;
      if (i % 10 < 3) row.planned!.vehicle = { registration: `IMP-${i + 1}`, make: 'Skoda' };
      return row;
    });
    // One import, seeded in chunks (one statement's JSON stays small).
    const id = await seedPlannedImport(client, tenantId, rows.slice(0, SEED_CHUNK));
    for (let from = SEED_CHUNK; from < ROWS; from += SEED_CHUNK) {
      const more = rows.slice(from, from + SEED_CHUNK);
      await client.query(
        `INSERT INTO customers.import_rows (tenant_id, import_id, row_number, outcome, planned)
         SELECT $1, $2, r.row_number, 'create', r.planned
           FROM jsonb_to_recordset($3::jsonb) AS r(row_number integer, planned jsonb)`,
        [
          tenantId,
          id,
          JSON.stringify(more.map((r) => ({ row_number: r.rowNumber, planned: r.planned }))),
        ],
      );
    }
    await client.query(
      'UPDATE customers.imports SET rows_read = $3, n_create = $3 WHERE tenant_id = $1 AND id = $2',
      [tenantId, id, ROWS],
    );
    await db.analyze();

    const started = process.hrtime.bigint();
    await app.get(ImportCommit).start(admin, id, 'skip');
    for (;;) {
      const { rows: state } = await client.query<{ customers_done_at: Date | null }>(
        'SELECT customers_done_at FROM customers.imports WHERE tenant_id = $1 AND id = $2',
        [tenantId, id],
      );
      if (state[0].customers_done_at) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const commitSeconds = Number(process.hrtime.bigint() - started) / 1e9;

    // The floor: the same cards and events, prepared, COPYed into another tenant.
    const other = randomUUID();
    const cards = join(dir, 'cards.csv');
    const events = join(dir, 'events.csv');
    const columns = `tenant_id, id, kind, first_name, last_name, phone, phone_raw, phone_national,
      email, notes, status, customer_number, station_ids, origin, import_id`;
    const psql = (command: string): void => {
      execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', command], {
        env: {
          ...process.env,
          PGHOST: db.settings.host,
          PGPORT: String(db.settings.port),
          PGUSER: db.settings.user,
          PGPASSWORD: db.settings.password ?? '',
          PGDATABASE: db.settings.database,
        },
      });
    };
    psql(
      `\\copy (SELECT '${other}'::uuid, gen_random_uuid(), kind, first_name, last_name, phone, phone_raw, phone_national, email, notes, status, 'F' || customer_number, station_ids, origin, import_id FROM customers.customers WHERE tenant_id = '${tenantId}') TO '${cards}' CSV`,
    );
    psql(
      `\\copy (SELECT gen_random_uuid(), type, '${other}'::uuid, envelope FROM customers.outbox WHERE tenant_id = '${tenantId}' AND type = 'customers.customer.created.v1') TO '${events}' CSV`,
    );
    const floorStarted = process.hrtime.bigint();
    psql(`\\copy customers.customers (${columns.replace(/\s+/g, ' ')}) FROM '${cards}' CSV`);
    psql(`\\copy customers.outbox (event_id, type, tenant_id, envelope) FROM '${events}' CSV`);
    const floorSeconds = Number(process.hrtime.bigint() - floorStarted) / 1e9;

    const commitRate = ROWS / commitSeconds;
    const floorRate = ROWS / floorSeconds;
    console.log(
      `\n== Import commit of ${ROWS} rows (30 % with a vehicle), batches of ${BATCH}, vs COPY`,
    );
    console.log(`commit: ${commitSeconds.toFixed(1)} s, ${Math.round(commitRate)} rows/s`);
    console.log(`COPY floor: ${floorSeconds.toFixed(1)} s, ${Math.round(floorRate)} rows/s`);
    console.log(`commit / floor: ${((commitRate / floorRate) * 100).toFixed(0)} % (target ≥ 50 %)`);
  } finally {
    await app.close();
    await client.end();
    await deleteRedisKeys(`${jobsPrefix}:`);
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
});
