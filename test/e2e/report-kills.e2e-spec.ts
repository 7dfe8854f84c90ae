import { Client } from 'pg';
import { runReportsUnderKills, seedReportingReadModel } from '@kanta/testing/report-kills';
import { createTenant, startE2eSystem, type E2eSystem, type TenantFixture } from './support';

/*
 * Report jobs survive their process being killed (issue #15, "Reliability"): 36 registry reports
 * (CSV and XLSX) of a tenant of 1,500 customers, and the reporting service killed with SIGKILL
 * five times while reports are being written, started again each time. Every report ends done
 * within a bounded wait, its file (downloaded, read by exceljs or line by line) has each
 * customer once and the rows its report counts, and REPORTS_DIR holds the reports' files and
 * nothing else (no `.part` file). What makes it hold: a run's lease (services/reporting, "A run's
 * lease") lets the restarted process take the killed runs' reports over at once, and the file is
 * written under a temporary name and renamed when whole. bench/report-kills.ts runs it with 100
 * reports and 10 kills.
 */
const CUSTOMERS = 1500;
const VEHICLES = 300;
const REPORTS = 36;
const KILLS = 5;

jest.setTimeout(180_000);

describe('report jobs under kill -9 (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;
  let db: Client;

  beforeAll(async () => {
    e2e = await startE2eSystem('repkill');
    fi = await createTenant(e2e, 'repkill-fi');
    db = new Client(e2e.database.settings);
    await db.connect();
    await seedReportingReadModel(db, fi.tenantId, CUSTOMERS, VEHICLES);
  });
  afterAll(async () => {
    await db?.end();
    await e2e?.stop();
  });

  it('ends every report done, once and whole, with no temporary file left, whatever the kills', async () => {
    const result = await runReportsUnderKills({
      system: e2e.system,
      admin: fi.admin,
      tenantId: fi.tenantId,
      db,
      reportsDir: e2e.reportsDir,
      customers: CUSTOMERS,
      vehicles: VEHICLES,
      reports: REPORTS,
      kills: KILLS,
      settleMs: 30_000,
    });
    expect(result.problems).toEqual([]);
    expect(result).toMatchObject({ reports: REPORTS, kills: KILLS, done: REPORTS });
    expect(result.wholeFiles).toBe(REPORTS);
    // The kills came while reports were being written, some half-way through their file (a
    // report seen running may also end just before its kill lands).
    expect(result.runsKilled).toBeGreaterThan(0);
    expect(result.killedMidFile).toBeGreaterThan(0);
  });
});
