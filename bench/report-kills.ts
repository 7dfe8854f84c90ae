/*
 * Report jobs under kill -9 at full size (issue #15, "Reliability"): BENCH_KILL_REPORTS registry
 * reports (100; CSV and XLSX alternately) of a tenant of BENCH_KILL_CUSTOMERS customers (3,000)
 * and a fifth as many vehicles in the reporting read model, asked for through the gateway, and
 * the reporting service killed with SIGKILL BENCH_KILLS times (10) while reports are being
 * written, started again each time. The system as deployed (the sweep every 60 s). Counted
 * afterwards: reports done, files downloaded and read whole (exceljs, CSV lines) with each
 * customer once and the rows their job counts, what the kills left in REPORTS_DIR and what is
 * left at the end, and the time from the first request to the last report done.
 * test/e2e/report-kills.e2e-spec.ts runs the same with 36 reports and 5 kills in `npm test`.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { runReportsUnderKills, seedReportingReadModel } from '@kanta/testing/report-kills';
import { runBench, scratchDatabase, startBenchSystem } from './support';

const REPORTS = Number(process.env.BENCH_KILL_REPORTS ?? 100);
const KILLS = Number(process.env.BENCH_KILLS ?? 10);
const CUSTOMERS = Number(process.env.BENCH_KILL_CUSTOMERS ?? 3000);
const VEHICLES = Math.floor(CUSTOMERS / 5);

async function main(): Promise<void> {
  const db = await scratchDatabase('kills');
  const reportsDir = mkdtempSync(join(tmpdir(), 'kanta-bench-reports-'));
  const bench = await startBenchSystem({ ...db.env, REPORTS_DIR: reportsDir });
  const client = new Client(db.settings);
  await client.connect();
  try {
    await seedReportingReadModel(client, bench.tenantId, CUSTOMERS, VEHICLES);
    const result = await runReportsUnderKills({
      system: bench.system,
      admin: bench.admin,
      tenantId: bench.tenantId,
      db: client,
      reportsDir,
      customers: CUSTOMERS,
      vehicles: VEHICLES,
      reports: REPORTS,
      kills: KILLS,
      settleMs: 180_000,
      startTimeoutMs: 120_000,
    });
    console.log(
      `\n== Report jobs under kill -9: ${REPORTS} registry reports (CSV and XLSX) of ` +
        `${CUSTOMERS} customers and ${VEHICLES} vehicles, the reporting service killed ` +
        `${KILLS} times while reports were written`,
    );
    const rows: [string, string | number][] = [
      ['kills', result.kills],
      ['reports whose run a kill cut short', result.runsKilled],
      ['… of them with rows already written', result.killedMidFile],
      ['.part files right after a kill, summed', result.partFilesAfterKills],
      ['reports done', `${result.done} of ${result.reports}`],
      ['files read whole, rows as counted, once', `${result.wholeFiles} of ${result.reports}`],
      ['files left in REPORTS_DIR besides them', result.leftoverFiles.length],
      ['first request to last report done', `${result.seconds.toFixed(1)} s`],
    ];
    for (const [label, value] of rows) console.log(`  ${label.padEnd(44)} ${value}`);
    for (const problem of result.problems.slice(0, 20)) console.log(`  ! ${problem}`);
    console.log(
      result.problems.length === 0
        ? 'met: every report done once, its file whole, no temporary file left'
        : `NOT MET: ${result.problems.length} problem(s)`,
    );
  } finally {
    await client.end();
    await bench.system.stop();
    await db.drop();
    rmSync(reportsDir, { recursive: true, force: true });
  }
}

runBench(main);
