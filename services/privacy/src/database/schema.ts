import type { ServiceDataSourceOptions } from '@kanta/database';
import { Privacy1766500000000 } from './migrations/1766500000000-privacy';
import { DeletionRequests1766500100000 } from './migrations/1766500100000-deletion-requests';
import { Retention1766500500000 } from './migrations/1766500500000-retention';
import { AccessLog1766710000000 } from './migrations/1766710000000-access-log';
import { KnownCustomersMerged1767100000000 } from './migrations/1767100000000-known-customers-merged';
import { Merges1767500000000 } from './migrations/1767500000000-merges';
import { DataExports1767600000000 } from './migrations/1767600000000-data-exports';
import { ExportAttempts1767950000000 } from './migrations/1767950000000-export-attempts';

export const PRIVACY_SCHEMA = 'privacy';

/** Everything the privacy DataSource needs but the connection settings. */
export const privacySchema: Omit<ServiceDataSourceOptions, 'settings'> = {
  schema: PRIVACY_SCHEMA,
  entities: [],
  migrations: [
    Privacy1766500000000,
    DeletionRequests1766500100000,
    Retention1766500500000,
    AccessLog1766710000000,
    KnownCustomersMerged1767100000000,
    Merges1767500000000,
    DataExports1767600000000,
    ExportAttempts1767950000000,
  ],
  // The access audit: its trigger refuses changes too; without the privilege the service's own
  // role cannot even try.
  appendOnly: ['access_log'],
};
