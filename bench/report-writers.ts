/*
 * The reporting service's file writers (issue #15), beside their raw floors in the same run.
 *
 * XLSX: BENCH_REPORT_ROWS (1,000,000) rows of the customers report's shape (11 columns: text,
 * phone, dates, numbers, money), generated in memory, written by raw exceljs's streaming
 * WorkbookWriter (the floor) and by our XlsxWriter, at 100,000 and at the full count. Each run
 * is a child process of its own, so its peak RSS (getrusage maxrss) is the writer's alone.
 * Targets: ours >= 70 % of raw's rows/s; our peak RSS at the full count <= 1.5 x at 100,000
 * and <= 400 MB.
 *
 * CSV: the same rows in a scratch Postgres table; a raw `COPY (SELECT …) TO STDOUT` of its
 * columns into a file by psql (the floor; pg-copy-streams is not installed, and psql's C client
 * is the faster floor anyway) against our CsvWriter fed from that table in keyset pages of
 * BENCH_REPORT_PAGE (10,000) rows. Target >= 50 %. Also our CsvWriter from memory, for scale.
 */
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { postgresEnv, postgresSettingsFromEnv, quoteIdent } from '@kanta/database';
import { CsvWriter } from '@kanta/reports';
import {
  COLUMNS,
  FIRST,
  LAST,
  STATIONS,
  TIME_ZONE,
  type ChildResult,
  type WriterName,
} from './reports/report-rows';
import { printComparison, runBench } from './support';

const ROWS = Number(process.env.BENCH_REPORT_ROWS ?? 1_000_000);
const SMALL = Math.min(100_000, ROWS);
const PAGE = Number(process.env.BENCH_REPORT_PAGE ?? 10_000);

function runChild(writer: WriterName, rows: number, dir: string): ChildResult {
  const file = join(dir, `${writer}-${rows}.out`);
  const run = spawnSync(
    process.execPath,
    [join(__dirname, 'reports', 'writer-child.js'), writer, String(rows), file],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1024 * 1024,
    },
  );
  if (run.status !== 0) throw new Error(`${writer} at ${rows} rows failed (${run.status})`);
  rmSync(file, { force: true });
  const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as ChildResult;
  console.log(
    `  ${`${writer}, ${rows.toLocaleString('en')} rows`.padEnd(40)} ${(rows / result.seconds).toFixed(0).padStart(8)} rows/s  ${result.seconds.toFixed(1).padStart(6)} s  peak RSS ${result.maxRssMb.toFixed(0).padStart(5)} MB  file ${(result.bytes / 1e6).toFixed(1)} MB`,
  );
  return result;
}

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kanta-report-bench-'));
  try {
    console.log(`Report writers: ${ROWS.toLocaleString('en')} rows; load average ${load()}`);
    const runs: Record<string, ChildResult> = {};
    for (const rows of [...new Set([SMALL, ROWS])]) {
      for (const writer of ['xlsx-raw-exceljs', 'xlsx-ours'] as const) {
        runs[`${writer}-${rows}`] = runChild(writer, rows, dir);
      }
    }
    const raw = runs[`xlsx-raw-exceljs-${ROWS}`];
    const ours = runs[`xlsx-ours-${ROWS}`];
    const oursSmall = runs[`xlsx-ours-${SMALL}`];
    const speedRatio = ROWS / ours.seconds / (ROWS / raw.seconds);
    printComparison(
      `XLSX, ${ROWS.toLocaleString('en')} rows of the customers report's shape`,
      [
        { label: 'raw exceljs WorkbookWriter', value: `${(ROWS / raw.seconds).toFixed(0)} rows/s` },
        { label: 'XlsxWriter', value: `${(ROWS / ours.seconds).toFixed(0)} rows/s` },
        {
          label: 'peak RSS raw / ours',
          value: `${raw.maxRssMb.toFixed(0)} MB / ${ours.maxRssMb.toFixed(0)} MB`,
        },
      ],
      { label: 'ours / raw rows/s', value: speedRatio, target: '>= 0.70', met: speedRatio >= 0.7 },
    );
    const growth = ours.maxRssMb / oursSmall.maxRssMb;
    printComparison(
      'XLSX memory',
      [
        {
          label: `peak RSS at ${SMALL.toLocaleString('en')} / ${ROWS.toLocaleString('en')}`,
          value: `${oursSmall.maxRssMb.toFixed(0)} MB / ${ours.maxRssMb.toFixed(0)} MB (target <= 400 MB: ${ours.maxRssMb <= 400 ? 'met' : 'NOT met'})`,
        },
      ],
      { label: 'peak RSS growth', value: growth, target: '<= 1.5', met: growth <= 1.5 },
    );

    console.log(`\nCSV (load average ${load()})`);
    const fromMemory = runChild('csv-ours', ROWS, dir);
    await compareCsvWithCopy(dir, fromMemory);
    console.log(`\nload average at the end ${load()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const SELECT = `SELECT customer_number, first_name, last_name, phone, email, created_at,
  last_visit_on, plate, station, visit_count, total_minor / 100.0 AS total FROM report_rows`;

interface PageRow {
  id: string;
  customer_number: string;
  first_name: string;
  last_name: string;
  phone: string;
  email: string;
  created_at: number;
  last_visit_on: string;
  plate: string;
  station: string;
  visit_count: number;
  total_minor: string;
}

async function compareCsvWithCopy(dir: string, fromMemory: ChildResult): Promise<void> {
  const admin = postgresSettingsFromEnv();
  const settings = { ...admin, database: `kanta_bench_reports_${process.pid}` };
  const root = new Client({ ...admin, database: 'postgres' });
  await root.connect();
  await root.query(`CREATE DATABASE ${quoteIdent(settings.database)}`);
  const client = new Client({ ...settings, statement_timeout: 0 });
  try {
    await client.connect();
    await client.query(`CREATE TABLE report_rows (
      id bigint PRIMARY KEY, customer_number text, first_name text, last_name text, phone text,
      email text, created_at timestamptz, last_visit_on date, plate text, station text,
      visit_count int, total_minor bigint)`);
    await client.query(
      `INSERT INTO report_rows
       SELECT n, (100000 + n)::text, ($2::text[])[1 + n % cardinality($2::text[])],
              ($3::text[])[1 + (n >> 3) % cardinality($3::text[])], '+35840' || lpad(n::text, 7, '0'),
              'asiakas' || n || '@example.test', timestamptz '2020-01-01Z' + n * interval '1 minute',
              (timestamptz '2020-01-31Z' + n * interval '90 seconds')::date, 'ABC-' || n % 1000,
              ($4::text[])[1 + n % cardinality($4::text[])], n % 17, n % 50000
         FROM generate_series(0, $1::int - 1) AS n`,
      [ROWS, FIRST, LAST, STATIONS],
    );
    await client.query('VACUUM ANALYZE report_rows');
    await client.query('CHECKPOINT');

    // The floor: COPY … TO STDOUT, written to a file by psql.
    const copyFile = join(dir, 'copy.csv');
    const copyStarted = process.hrtime.bigint();
    const copy = spawnSync(
      'psql',
      [
        '-X',
        '-q',
        '-c',
        `\\copy (${SELECT.replace(/\s+/g, ' ')}) TO '${copyFile}' WITH (FORMAT csv, HEADER)`,
      ],
      {
        env: { ...process.env, ...postgresEnv(settings) },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    if (copy.status !== 0) throw new Error(`psql COPY failed (${copy.status})`);
    const copySeconds = Number(process.hrtime.bigint() - copyStarted) / 1e9;
    const copyBytes = statSync(copyFile).size;

    // Instants as epoch milliseconds (float8, which pg parses cheaply; its timestamptz parser
    // took more than the whole writer), dates as text; the next page is asked for while this
    // one is written.
    const fetchPage = (after: number): Promise<PageRow[]> =>
      client
        .query<PageRow>(
          `SELECT id, customer_number, first_name, last_name, phone, email,
                  (extract(epoch FROM created_at) * 1000)::float8 AS created_at,
                  last_visit_on::text AS last_visit_on, plate, station, visit_count, total_minor
             FROM report_rows WHERE id > $1 ORDER BY id LIMIT $2`,
          [after, PAGE],
        )
        .then((result) => result.rows);
    // The reading alone, for where the time goes: pg parses every field of every row in
    // JavaScript, where psql's COPY only passes bytes on.
    const readStarted = process.hrtime.bigint();
    for (let page = await fetchPage(-1); ;) {
      if (page.length < PAGE) break;
      page = await fetchPage(Number(page[page.length - 1].id));
    }
    const readSeconds = Number(process.hrtime.bigint() - readStarted) / 1e9;

    // Ours: keyset pages from the same table into the CsvWriter.
    const oursFile = join(dir, 'ours.csv');
    const oursStarted = process.hrtime.bigint();
    const csv = new CsvWriter(createWriteStream(oursFile), COLUMNS, {
      locale: 'fi',
      timeZone: TIME_ZONE,
    });
    let pending = fetchPage(-1);
    for (;;) {
      const page = await pending;
      const full = page.length === PAGE;
      if (full) pending = fetchPage(Number(page[page.length - 1].id));
      for (const r of page) {
        await csv.addRow([
          r.customer_number,
          r.first_name,
          r.last_name,
          r.phone,
          r.email,
          r.created_at,
          r.last_visit_on,
          r.plate,
          r.station,
          r.visit_count,
          Number(r.total_minor) / 100,
        ]);
      }
      if (!full) break;
    }
    await csv.finish();
    const oursSeconds = Number(process.hrtime.bigint() - oursStarted) / 1e9;
    const oursBytes = statSync(oursFile).size;
    const ratio = copySeconds / oursSeconds;
    printComparison(
      `CSV, ${ROWS.toLocaleString('en')} rows from Postgres`,
      [
        {
          label: 'raw COPY … TO STDOUT (psql)',
          value: `${(ROWS / copySeconds).toFixed(0)} rows/s (${copySeconds.toFixed(1)} s, ${(copyBytes / 1e6).toFixed(0)} MB)`,
        },
        {
          label: `CsvWriter, keyset pages of ${PAGE}`,
          value: `${(ROWS / oursSeconds).toFixed(0)} rows/s (${oursSeconds.toFixed(1)} s, ${(oursBytes / 1e6).toFixed(0)} MB)`,
        },
        {
          label: `pg keyset pages alone (no writing)`,
          value: `${(ROWS / readSeconds).toFixed(0)} rows/s (${readSeconds.toFixed(1)} s)`,
        },
        {
          label: 'CsvWriter from memory (child)',
          value: `${(ROWS / fromMemory.seconds).toFixed(0)} rows/s, peak RSS ${fromMemory.maxRssMb.toFixed(0)} MB`,
        },
      ],
      { label: 'ours / COPY rows/s', value: ratio, target: '>= 0.50', met: ratio >= 0.5 },
    );
  } finally {
    await client.end().catch(() => undefined);
    await root.query(`DROP DATABASE IF EXISTS ${quoteIdent(settings.database)} WITH (FORCE)`);
    await root.end();
  }
}

runBench(main);
