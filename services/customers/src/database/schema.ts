import type { ServiceDataSourceOptions } from '@kanta/database';
import { Messaging1763900000000 } from './migrations/1763900000000-messaging';
import { CustomersCore1763900100000 } from './migrations/1763900100000-customers-core';
import { CustomerCard1764100000000 } from './migrations/1764100000000-customer-card';
import { MarketingConsents1764600000000 } from './migrations/1764600000000-marketing-consents';
import { TenantKeys1764700000000 } from './migrations/1764700000000-tenant-keys';
import { Reminders1764200000000 } from './migrations/1764200000000-reminders';
import { Duplicates1764300000000 } from './migrations/1764300000000-duplicates';
import { VehicleSearch1764400000000 } from './migrations/1764400000000-vehicle-search';
import { PlpgsqlColumnFunctions1764900000000 } from './migrations/1764900000000-plpgsql-column-functions';
import { KnownStations1765000200000 } from './migrations/1765000200000-known-stations';
import { KnownStationsByStation1765200000000 } from './migrations/1765200000000-known-stations-by-station';
import { CustomerNumberSequencesAsOwner1766000000000 } from './migrations/1766000000000-customer-number-sequences-as-owner';
import { CommandLog1766100000000 } from './migrations/1766100000000-command-log';
import { InboxByTenant1766200000000 } from './migrations/1766200000000-inbox-by-tenant';
import { DeadLetters1766200100000 } from './migrations/1766200100000-dead-letters';
import { ErasedCustomers1766300000000 } from './migrations/1766300000000-erased-customers';
import { DeletionRequested1766300100000 } from './migrations/1766300100000-deletion-requested';
import { CustomersAnnounced1766300200000 } from './migrations/1766300200000-customers-announced';
import { ErasedContacts1766300300000 } from './migrations/1766300300000-erased-contacts';
import { ReportingStream1767800000000 } from './migrations/1767800000000-reporting-stream';
import { Imports1768200000000 } from './migrations/1768200000000-imports';
import { ImportCommit1768300000000 } from './migrations/1768300000000-import-commit';
import { CustomerMerges1767200000000 } from './migrations/1767200000000-customer-merges';

export const CUSTOMERS_SCHEMA = 'customers';

/** Everything the customers DataSource needs but the connection settings. */
export const customersSchema: Omit<ServiceDataSourceOptions, 'settings'> = {
  schema: CUSTOMERS_SCHEMA,
  entities: [],
  migrations: [
    Messaging1763900000000,
    CustomersCore1763900100000,
    CustomerCard1764100000000,
    Reminders1764200000000,
    Duplicates1764300000000,
    VehicleSearch1764400000000,
    MarketingConsents1764600000000,
    TenantKeys1764700000000,
    PlpgsqlColumnFunctions1764900000000,
    KnownStations1765000200000,
    KnownStationsByStation1765200000000,
    CustomerNumberSequencesAsOwner1766000000000,
    CommandLog1766100000000,
    InboxByTenant1766200000000,
    DeadLetters1766200100000,
    ErasedCustomers1766300000000,
    DeletionRequested1766300100000,
    CustomersAnnounced1766300200000,
    ErasedContacts1766300300000,
    CustomerMerges1767200000000,
    ReportingStream1767800000000,
    Imports1768200000000,
    ImportCommit1768300000000,
  ],
};
