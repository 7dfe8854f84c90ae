import type { ServiceDataSourceOptions } from '@kanta/database';
import { Reporting1767800000000 } from './migrations/1767800000000-reporting';
import { RebuildState1767860000000 } from './migrations/1767860000000-rebuild-state';
import { ReportJobs1767900000000 } from './migrations/1767900000000-report-jobs';
import { ReportMatches1767930000000 } from './migrations/1767930000000-report-matches';
import { AudienceAndSalesSplit1768030000000 } from './migrations/1768030000000-audience-and-sales-split';
import { TenantSettings1768050000000 } from './migrations/1768050000000-tenant-settings';
import { ReportDownloads1768060000000 } from './migrations/1768060000000-report-downloads';
import { ReportCatchUp1768070000000 } from './migrations/1768070000000-report-catch-up';
import { StationNames1768095000000 } from './migrations/1768095000000-station-names';

export const REPORTING_SCHEMA = 'reporting';

/** Everything the reporting DataSource needs but the connection settings. */
export const reportingSchema: Omit<ServiceDataSourceOptions, 'settings'> = {
  schema: REPORTING_SCHEMA,
  entities: [],
  migrations: [
    Reporting1767800000000,
    RebuildState1767860000000,
    ReportJobs1767900000000,
    ReportMatches1767930000000,
    AudienceAndSalesSplit1768030000000,
    TenantSettings1768050000000,
    ReportDownloads1768060000000,
    ReportCatchUp1768070000000,
    StationNames1768095000000,
  ],
};
