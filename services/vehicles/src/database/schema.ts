import type { ServiceDataSourceOptions } from '@kanta/database';
import { Messaging1764400000000 } from './migrations/1764400000000-messaging';
import { VehiclesCore1764400100000 } from './migrations/1764400100000-vehicles-core';
import { WaitingSince1765000000000 } from './migrations/1765000000000-waiting-since';
import { SalesOfVisits1765000100000 } from './migrations/1765000100000-sales-of-visits';
import { KnownStations1765000200000 } from './migrations/1765000200000-known-stations';
import { VisitIdempotency1765000300000 } from './migrations/1765000300000-visit-idempotency';
import { PartnerLinkRole1765000400000 } from './migrations/1765000400000-partner-link-role';
import { RejectedEventIndex1765000500000 } from './migrations/1765000500000-rejected-event-index';
import { VisitContactWaits1765000600000 } from './migrations/1765000600000-visit-contact-waits';
import { VisitCancelReason1765000700000 } from './migrations/1765000700000-visit-cancel-reason';
import { SalesLists1765000800000 } from './migrations/1765000800000-sales-lists';
import { MillisecondTimes1765000900000 } from './migrations/1765000900000-millisecond-times';
import { KnownStationsByStation1765200000000 } from './migrations/1765200000000-known-stations-by-station';
import { CommandLog1766100000000 } from './migrations/1766100000000-command-log';
import { InboxByTenant1766200000000 } from './migrations/1766200000000-inbox-by-tenant';
import { DeadLetters1766200100000 } from './migrations/1766200100000-dead-letters';
import { KnownCustomersShared1766400000000 } from './migrations/1766400000000-known-customers-shared';
import { ErasedCustomersText1767000000000 } from './migrations/1767000000000-erased-customers-text';
import { KnownCustomersMerged1767100000000 } from './migrations/1767100000000-known-customers-merged';
import { MergeMoves1767300000000 } from './migrations/1767300000000-merge-moves';
import { CustomerMerges1767500000000 } from './migrations/1767500000000-customer-merges';
import { ImportBatches1768310000000 } from './migrations/1768310000000-import-batches';

export const VEHICLES_SCHEMA = 'vehicles';

/** Everything the vehicles DataSource needs but the connection settings. */
export const vehiclesSchema: Omit<ServiceDataSourceOptions, 'settings'> = {
  schema: VEHICLES_SCHEMA,
  entities: [],
  migrations: [
    Messaging1764400000000,
    VehiclesCore1764400100000,
    WaitingSince1765000000000,
    SalesOfVisits1765000100000,
    KnownStations1765000200000,
    VisitIdempotency1765000300000,
    PartnerLinkRole1765000400000,
    RejectedEventIndex1765000500000,
    VisitContactWaits1765000600000,
    VisitCancelReason1765000700000,
    SalesLists1765000800000,
    MillisecondTimes1765000900000,
    KnownStationsByStation1765200000000,
    CommandLog1766100000000,
    InboxByTenant1766200000000,
    DeadLetters1766200100000,
    KnownCustomersShared1766400000000,
    ErasedCustomersText1767000000000,
    KnownCustomersMerged1767100000000,
    MergeMoves1767300000000,
    CustomerMerges1767500000000,
    ImportBatches1768310000000,
  ],
};
