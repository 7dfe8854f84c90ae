import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Client } from 'pg';
import type { ReportFormat, ReportView } from '@kanta/contracts';
import type { KantaApi, LocalSystem } from '@kanta/local';
import { csvParts } from './report-csv';

/*
 * Report jobs while the reporting process is killed (issue #15, "Reliability"): the experiment
 * test/e2e/report-kills.e2e-spec.ts runs at a test's size and bench/report-kills.ts at full size.
 * The reports are asked for through the gateway, the reporting service is killed with SIGKILL
 * (LocalSystem.restart) whenever one of them is being written and started again; then every
 * report must end done, once, its file whole, and no temporary file left.
 */

export interface ReportKillsOptions {
  system: LocalSystem;
  /** The tenant's admin, through the gateway. */
  admin: KantaApi;
  tenantId: string;
  /** A client of the system's database (a superuser's or the owner's). */
  db: Client;
  /** The reporting service's REPORTS_DIR. */
  reportsDir: string;
  /** Live customers seeded in the tenant's read model. */
  customers: number;
  /** Vehicles seeded, each with one of the customers as owner (the XLSX's second sheet). */
  vehicles: number;
  reports: number;
  kills: number;
  /** Longest wait for every report to end after the last kill. */
  settleMs: number;
  /** Longest wait for a restarted reporting service's /health. */
  startTimeoutMs?: number;
}

export interface ReportKillsResult {
  reports: number;
  kills: number;
  /** Reports whose run a kill cut short (once or more), and those cut with rows written. */
  runsKilled: number;
  killedMidFile: number;
  /** `.part` files in REPORTS_DIR right after each kill (a killed run's, or one's not yet rerun), summed. */
  partFilesAfterKills: number;
  /** From the first request to the last report ended. */
  seconds: number;
  /** Reports whose status is done; files read whole with the expected rows. */
  done: number;
  wholeFiles: number;
  /** Files in REPORTS_DIR that are no report's whole file (temporary or stray). */
  leftoverFiles: string[];
  /** Everything that departs from the guarantee, one line each; empty when it holds. */
  problems: string[];
}

/** Live cards and vehicles in the tenant's read model, as the events would leave them. */
export async function seedReportingReadModel(
  db: Client,
  tenantId: string,
  customers: number,
  vehicles: number,
): Promise<void> {
  await db.query(
    `INSERT INTO reporting.customers (tenant_id, customer_id, version, kind, status, first_name,
       last_name, city, notes, customer_number, created_at)
     SELECT $1, gen_random_uuid(), 1, 'person', 'active', 'Testi', 'Raportti ' || n, 'Testilä',
            'rivi ' || n, (100000 + n)::text, now() - n * interval '1 hour'
       FROM generate_series(1, $2::int) AS n`,
    [tenantId, customers],
  );
  await db.query(
    `INSERT INTO reporting.vehicles (tenant_id, vehicle_id, version, registration, customers)
     SELECT $1, gen_random_uuid(), 1, 'KIL-' || row_number() OVER (ORDER BY customer_id),
            jsonb_build_array(jsonb_build_object('customerId', customer_id, 'role', 'owner',
              'isDefault', true))
       FROM (SELECT customer_id FROM reporting.customers WHERE tenant_id = $1
              ORDER BY customer_id LIMIT $2) c`,
    [tenantId, vehicles],
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The files under REPORTS_DIR, relative to it. */
async function filesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1));
}

interface JobRow {
  id: string;
  format: ReportFormat;
  status: string;
  rows_written: number;
  row_count: number | null;
}

/** Asks for the reports, kills the reporting service while they are written, checks them. */
/** How long a kill waits for a report half-way through its file before landing anyway. */
const MID_FILE_WAIT_MS = 3_000;

export async function runReportsUnderKills(
  options: ReportKillsOptions,
): Promise<ReportKillsResult> {
  const { system, admin, tenantId, db, reportsDir } = options;
  const started = Date.now();
  const formats = new Map<string, ReportFormat>();
  for (let i = 0; i < options.reports; i++) {
    const format: ReportFormat = i % 2 === 0 ? 'csv' : 'xlsx';
    const view = await admin.expect<ReportView>(202, 'POST', '/api/v1/reports', {
      type: 'registry',
      format,
    });
    formats.set(view.id, format);
  }
  const ids = [...formats.keys()];
  const jobs = async (): Promise<JobRow[]> =>
    (
      await db.query<JobRow>(
        `SELECT id, format, status, rows_written, row_count
           FROM reporting.report_jobs WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
        [tenantId, ids],
      )
    ).rows;

  let kills = 0;
  const runsKilled = new Set<string>();
  const killedMidFile = new Set<string>();
  let partFilesAfterKills = 0;
  // When a report was first seen running without a row written yet: a kill waits a moment for
  // one half-way through its file (rows recorded, not whole), the case the kills are about, and
  // lands anyway after MID_FILE_WAIT_MS (a run seen only at its start is killed too).
  let runningSince: number | null = null;
  while (kills < options.kills) {
    const now = await jobs();
    if (now.every((job) => job.status !== 'queued' && job.status !== 'running')) break;
    const running = now.filter((job) => job.status === 'running');
    if (running.length === 0) {
      await sleep(10);
      continue;
    }
    runningSince ??= Date.now();
    const midFile = running.some((job) => job.rows_written > 0);
    if (!midFile && Date.now() - runningSince < MID_FILE_WAIT_MS) {
      await sleep(5);
      continue;
    }
    runningSince = null;
    const child = system.processes.reporting;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Left down a moment, to see what the killed process left in REPORTS_DIR.
    const restarted = system.restart('reporting', {
      downMs: 300,
      startTimeoutMs: options.startTimeoutMs ?? 60_000,
    });
    await exited;
    kills++;
    // What was being written when it died (read after: a run may have ended in between).
    const atKill = (await jobs()).filter((job) => job.status === 'running');
    for (const job of atKill) {
      runsKilled.add(job.id);
      if (job.rows_written > 0) killedMidFile.add(job.id);
    }
    partFilesAfterKills += (await filesIn(reportsDir)).filter((f) => f.endsWith('.part')).length;
    await restarted;
  }

  const deadline = Date.now() + options.settleMs;
  let last = await jobs();
  while (last.some((job) => job.status === 'queued' || job.status === 'running')) {
    if (Date.now() > deadline) break;
    await sleep(100);
    last = await jobs();
  }
  const seconds = (Date.now() - started) / 1000;

  const problems: string[] = [];
  const unfinished = last.filter((job) => job.status !== 'done');
  for (const job of unfinished) problems.push(`report ${job.id} ended ${job.status}`);
  const [links] = (
    await db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM reporting.vehicles v
        CROSS JOIN LATERAL jsonb_array_elements(v.customers) e WHERE v.tenant_id = $1`,
      [tenantId],
    )
  ).rows;
  let wholeFiles = 0;
  for (const job of last.filter((j) => j.status === 'done')) {
    const expected = job.format === 'csv' ? options.customers : options.customers + links.count;
    if (job.row_count !== expected) {
      problems.push(
        `report ${job.id} (${job.format}) counts ${job.row_count} rows, not ${expected}`,
      );
    }
    const [manifest] = (
      await db.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM reporting.report_customers
          WHERE tenant_id = $1 AND report_id = $2`,
        [tenantId, job.id],
      )
    ).rows;
    if (manifest.count !== options.customers) {
      problems.push(`report ${job.id}'s manifest names ${manifest.count} customers`);
    }
    const found = await readReport(admin, job.id, job.format, options.customers, links.count);
    if (found.length === 0) wholeFiles++;
    problems.push(...found.map((problem) => `report ${job.id} (${job.format}): ${problem}`));
  }

  const expectedFiles = new Set(ids.map((id) => join(tenantId, `${id}.${formats.get(id)}`)));
  const files = await filesIn(reportsDir);
  const leftoverFiles = files.filter((file) => !expectedFiles.has(file));
  for (const file of leftoverFiles) problems.push(`left in REPORTS_DIR: ${file}`);
  if (kills < options.kills) problems.push(`only ${kills} kills: the reports ended before`);

  return {
    reports: ids.length,
    kills,
    runsKilled: runsKilled.size,
    killedMidFile: killedMidFile.size,
    partFilesAfterKills,
    seconds,
    done: last.length - unfinished.length,
    wholeFiles,
    leftoverFiles,
    problems,
  };
}

/**
 * Downloads a report through the gateway and reads it whole, to its end (what the file says about
 * itself: the CSV's lines after its table, the XLSX's last sheet): the CSV's lines, or the XLSX
 * by exceljs; each customer once (their id is the last column), the vehicles sheet's links.
 * Answers what is wrong, nothing when it is whole.
 */
async function readReport(
  admin: KantaApi,
  id: string,
  format: ReportFormat,
  customers: number,
  links: number,
): Promise<string[]> {
  const response = await fetch(`${admin.baseUrl}/api/v1/reports/${id}/file`, {
    headers: { authorization: `Bearer ${admin.token}` },
  });
  if (response.status !== 200) return [`download answered ${response.status}`];
  const bytes = Buffer.from(await response.arrayBuffer());
  const problems: string[] = [];
  const once = (what: string, customerIds: string[]) => {
    if (customerIds.length !== customers) {
      problems.push(`${what} has ${customerIds.length} customer rows, not ${customers}`);
    }
    const distinct = new Set(customerIds).size;
    if (distinct !== customerIds.length) {
      problems.push(`${what} names ${customerIds.length - distinct} customers twice`);
    }
  };
  if (format === 'csv') {
    const { table, about } = csvParts(bytes);
    if (about.length === 0) problems.push('the CSV does not end with what it says about itself');
    once(
      'the CSV',
      table.slice(1).map((line) => line.slice(-36)),
    );
    return problems;
  }
  const book = new ExcelJS.Workbook();
  try {
    await book.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (error) {
    return [`the XLSX does not open: ${(error as Error).message}`];
  }
  // The customers, their vehicles, and what the file says about itself.
  const [customerSheet, vehicleSheet, about] = book.worksheets;
  if (!customerSheet || !vehicleSheet || !about) {
    return [`the XLSX has ${book.worksheets.length} sheets`];
  }
  const customerIds: string[] = [];
  customerSheet.eachRow((row, n) => {
    if (n > 1) customerIds.push(row.getCell(10).text);
  });
  once('the customers sheet', customerIds);
  if (vehicleSheet.rowCount !== links + 1) {
    problems.push(`the vehicles sheet has ${vehicleSheet.rowCount - 1} rows, not ${links}`);
  }
  return problems;
}
