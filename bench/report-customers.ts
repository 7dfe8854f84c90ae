/*
 * The `customers` report whole (issue #15, Performance), beside raw exceljs in the same run.
 *
 * A whole system on a scratch database; BENCH_CUSTOMERS (1,000,000) customers seeded in one
 * tenant of the customers service (seedCustomers) and the same customers in the reporting read
 * model (direct SQL, as a rebuild would leave it), two in five with a vehicle and one to four
 * completed visits (sheet 1's rows), others with only cancelled visits or a booking to come.
 * The report is asked for XLSX with `includePassive` (every customer) and with the newest tenth
 * (`createdFrom`), and each is run by the reporting service's own code (ReportRun: the matches'
 * ids from the customers service over RPC, the count, both sheets from the read model in keyset
 * pages, the manifest, the rename) in a child process of its own (bench/reports/
 * customers-report-child.ts), so its peak RSS (getrusage maxrss) is the report's alone. Raw
 * exceljs's streaming WorkbookWriter writes as many rows of the same columns, on the same two
 * sheets, from memory (bench/reports/writer-child.ts), in the same run.
 * Targets: the report's rows/s over its whole run >= 70 % of raw's; its peak RSS at the full
 * count <= 1.5 x at the tenth and <= 400 MB.
 */
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { ChildResult } from './reports/report-rows';
import type { ReportChildResult } from './reports/customers-report-child';
import {
  printComparison,
  runBench,
  scratchDatabase,
  seedCustomers,
  settleAfterSeed,
  startBenchSystem,
} from './support';

const CUSTOMERS_SEEDED = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
const TENTH = Math.floor(CUSTOMERS_SEEDED / 10);

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

/**
 * The read model of the seeded customers: each customer as the reporting stream would have
 * made it; for n % 5 < 2 a vehicle and 1 + n % 4 completed visits over the past years (the
 * newest a year or less ago), for n % 5 = 2 a cancelled visit only, and for n % 10 = 0 an
 * online booking to come as well. Stations in turn.
 */
async function seedReadModel(client: Client, tenantId: string, stationIds: string[]) {
  const started = Date.now();
  await client.query(`SET maintenance_work_mem = '1GB'`);
  await client.query(
    `INSERT INTO reporting.customers (tenant_id, customer_id, version, kind, status,
       customer_number, first_name, last_name, phone, email, station_ids, created_at)
     SELECT tenant_id, id, 1, 'person', status, customer_number, first_name, last_name, phone,
            email, station_ids, created_at
       FROM customers.customers WHERE tenant_id = $1`,
    [tenantId],
  );
  await client.query(
    `CREATE TEMP TABLE seeded AS
       SELECT customer_id AS id, row_number() OVER (ORDER BY customer_id) AS n
         FROM reporting.customers WHERE tenant_id = $1`,
    [tenantId],
  );
  await client.query(
    `INSERT INTO reporting.vehicles (tenant_id, vehicle_id, version, registration, vin, customers)
     SELECT $1::uuid, md5('vehicle' || n)::uuid, 1,
            chr(65 + (n % 26)::int) || chr(65 + (n / 26 % 26)::int) || chr(65 + (n / 676 % 26)::int)
              || '-' || (1 + n % 999),
            'WVWZZZ1JZ' || lpad(n::text, 8, '0'),
            jsonb_build_array(jsonb_build_object('customerId', id, 'role', 'owner'))
       FROM seeded WHERE n % 5 < 2`,
    [tenantId],
  );
  await client.query(
    `INSERT INTO reporting.visits (tenant_id, visit_id, version, customer_id, station_id,
       vehicle_id, kind, channel, status, scheduled_at)
     SELECT $1::uuid, md5('visit' || n || '-' || k)::uuid, 1, id,
            ($2::uuid[])[1 + ((n + k) % cardinality($2::uuid[]))::int], md5('vehicle' || n)::uuid,
            'inspection', CASE WHEN k % 3 = 0 THEN 'online' ELSE 'phone' END, 'completed',
            now() - ((k - 1) * 365 + n % 365) * interval '1 day' - (n % 480) * interval '1 minute'
       FROM seeded CROSS JOIN LATERAL generate_series(1, (1 + n % 4)::int) AS k
      WHERE n % 5 < 2
     UNION ALL
     SELECT $1::uuid, md5('cancelled' || n)::uuid, 1, id,
            ($2::uuid[])[1 + (n % cardinality($2::uuid[]))::int], NULL, 'inspection', 'phone',
            'cancelled', now() - (n % 200) * interval '1 day'
       FROM seeded WHERE n % 5 = 2
     UNION ALL
     SELECT $1::uuid, md5('booked' || n)::uuid, 1, id,
            ($2::uuid[])[1 + (n % cardinality($2::uuid[]))::int], NULL, 'inspection', 'online',
            'booked', now() + (1 + n % 60) * interval '1 day'
       FROM seeded WHERE n % 10 = 0`,
    [tenantId, stationIds],
  );
  await settleAfterSeed(client, ['reporting.customers', 'reporting.vehicles', 'reporting.visits']);
  return (Date.now() - started) / 1000;
}

interface Case {
  label: string;
  criteria: Record<string, unknown>;
  /** Sheet 1's rows (matches with a completed visit) and sheet 2's (every match). */
  visited: number;
  added: number;
}

function runReport(env: Record<string, string>, tenantId: string, reportId: string) {
  const run = spawnSync(
    process.execPath,
    [join(__dirname, 'reports', 'customers-report-child.js'), tenantId, reportId],
    {
      encoding: 'utf8',
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1024 * 1024,
    },
  );
  if (run.status !== 0) throw new Error(`the report's run failed (${run.status})`);
  const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as ReportChildResult;
  if (result.outcome !== 'done') throw new Error(`the report's run ended ${result.outcome}`);
  return result;
}

function runRaw(rows: number, visited: number, dir: string): ChildResult {
  const file = join(dir, `raw-${rows}.xlsx`);
  const run = spawnSync(
    process.execPath,
    [
      join(__dirname, 'reports', 'writer-child.js'),
      'xlsx-raw-customers-report',
      String(rows),
      file,
      String(visited),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1024 * 1024 },
  );
  if (run.status !== 0) throw new Error(`raw exceljs at ${rows} rows failed (${run.status})`);
  rmSync(file, { force: true });
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as ChildResult;
}

const rate = (rows: number, seconds: number): string =>
  `${Math.round(rows / seconds).toLocaleString('en')} rows/s`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kanta-report-customers-'));
  const db = await scratchDatabase('report_customers');
  // The system's own reporting service runs no report of ours: its sweep waits an hour.
  const bench = await startBenchSystem(
    { ...db.env, REPORTS_SWEEP_INTERVAL_MS: '3600000', REPORTING_REBUILD_AT_START: 'false' },
    3,
  );
  const client = new Client(db.settings);
  await client.connect();
  const childEnv = { ...bench.env, REPORTS_DIR: join(dir, 'reports'), LOG_LEVEL: 'warn' };
  try {
    console.log(
      `Customers report: ${CUSTOMERS_SEEDED.toLocaleString('en')} customers; load average ${load()}`,
    );
    const seeded = await seedCustomers(
      client,
      bench.tenantId,
      bench.stationIds[0],
      CUSTOMERS_SEEDED,
    );
    const readModel = await seedReadModel(client, bench.tenantId, bench.stationIds);
    console.log(
      `  seeded in ${seeded.toFixed(0)} s (customers service) + ${readModel.toFixed(0)} s (read model)`,
    );
    // The seed makes one customer a minute, the newest now: the newest tenth by its first minute.
    const [{ from }] = (
      await client.query<{ from: string }>(
        `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS from
           FROM reporting.customers WHERE tenant_id = $1
          ORDER BY created_at DESC OFFSET $2 LIMIT 1`,
        [bench.tenantId, TENTH - 1],
      )
    ).rows;
    const sheets = async (since: string | null) => {
      const [row] = (
        await client.query<{ added: number; visited: number }>(
          `SELECT count(*)::int AS added,
                  count(*) FILTER (WHERE EXISTS (SELECT 1 FROM reporting.visits v
                    WHERE v.tenant_id = c.tenant_id AND v.customer_id = c.customer_id
                      AND v.status = 'completed'))::int AS visited
             FROM reporting.customers c
            WHERE c.tenant_id = $1 AND ($2::timestamptz IS NULL OR c.created_at >= $2)`,
          [bench.tenantId, since],
        )
      ).rows;
      return row;
    };
    const cases: Case[] = [
      {
        label: 'newest tenth',
        criteria: { includePassive: true, createdFrom: from },
        ...(await sheets(from)),
      },
      { label: 'every customer', criteria: { includePassive: true }, ...(await sheets(null)) },
    ];

    const ours: ReportChildResult[] = [];
    const raw: ChildResult[] = [];
    console.log(
      '\n| case | rows (sheet 1 + sheet 2) | report: whole run | of which the count | peak RSS (at rest) | raw exceljs | raw peak RSS | load |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const c of cases) {
      const rows = c.visited + c.added;
      const reportId = randomUUID();
      await client.query(
        `INSERT INTO reporting.report_jobs
           (tenant_id, id, type, format, locale, time_zone, criteria, requested_by, requested_role)
         VALUES ($1, $2, 'customers', 'xlsx', 'fi', 'Europe/Helsinki', $3, $4, 'admin')`,
        [bench.tenantId, reportId, JSON.stringify(c.criteria), randomUUID()],
      );
      const report = runReport(childEnv, bench.tenantId, reportId);
      const [job] = (
        await client.query<{ row_count: number; size_bytes: string }>(
          'SELECT row_count, size_bytes FROM reporting.report_jobs WHERE id = $1',
          [reportId],
        )
      ).rows;
      if (job.row_count !== rows) {
        throw new Error(`${c.label}: the report wrote ${job.row_count} rows, expected ${rows}`);
      }
      const floor = runRaw(rows, c.visited, dir);
      ours.push(report);
      raw.push(floor);
      console.log(
        `| ${c.label} | ${rows.toLocaleString('en')} (${c.visited.toLocaleString('en')} + ${c.added.toLocaleString('en')}) | ` +
          `${rate(rows, report.seconds)}, ${report.seconds.toFixed(1)} s, ${(Number(job.size_bytes) / 1e6).toFixed(1)} MB | ` +
          `${report.countSeconds.toFixed(1)} s | ${report.maxRssMb.toFixed(0)} MB (${report.restRssMb.toFixed(0)} MB) | ` +
          `${rate(rows, floor.seconds)}, ${floor.seconds.toFixed(1)} s, ${(floor.bytes / 1e6).toFixed(1)} MB | ` +
          `${floor.maxRssMb.toFixed(0)} MB | ${load()} |`,
      );
    }

    const [small, full] = ours;
    const fullCase = cases[1];
    const fullRows = fullCase.visited + fullCase.added;
    const speedRatio = raw[1].seconds / full.seconds;
    printComparison(
      `customers report, XLSX, ${CUSTOMERS_SEEDED.toLocaleString('en')} customers (${fullRows.toLocaleString('en')} rows)`,
      [
        { label: 'raw exceljs WorkbookWriter (memory)', value: rate(fullRows, raw[1].seconds) },
        {
          label: 'the report, whole run (ReportRun)',
          value: `${rate(fullRows, full.seconds)} (count ${full.countSeconds.toFixed(1)} s, writing ${(full.seconds - full.countSeconds).toFixed(1)} s)`,
        },
      ],
      {
        label: 'report / raw rows/s',
        value: speedRatio,
        target: '>= 0.70',
        met: speedRatio >= 0.7,
      },
    );
    const growth = full.maxRssMb / small.maxRssMb;
    printComparison(
      "the report's peak RSS",
      [
        {
          label: `at ${TENTH.toLocaleString('en')} / ${CUSTOMERS_SEEDED.toLocaleString('en')} customers`,
          value: `${small.maxRssMb.toFixed(0)} MB / ${full.maxRssMb.toFixed(0)} MB (target <= 400 MB: ${full.maxRssMb <= 400 ? 'met' : 'NOT met'})`,
        },
      ],
      { label: 'peak RSS growth', value: growth, target: '<= 1.5', met: growth <= 1.5 },
    );
    console.log(`\nload average at the end ${load()}`);
  } finally {
    await client.end();
    await bench.system.stop();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench(main);
