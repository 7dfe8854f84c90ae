import type { ServiceDataSourceOptions } from '@kanta/database';
import { Station } from '../identity/entities/station.entity';
import { Tenant } from '../identity/entities/tenant.entity';
import { User, UserStation } from '../identity/entities/user.entity';
import { Messaging1763900000000 } from './migrations/1763900000000-messaging';
import { Identity1764000000000 } from './migrations/1764000000000-identity';
import { TenantTimeZone1764200000000 } from './migrations/1764200000000-tenant-time-zone';
import { PartnerKeys1764400000000 } from './migrations/1764400000000-partner-keys';
import { StationAnnouncements1765000000000 } from './migrations/1765000000000-station-announcements';
import { PartnerEventIds1765100000000 } from './migrations/1765100000000-partner-event-ids';
import { StationAnnouncedAtDropped1765200000000 } from './migrations/1765200000000-station-announced-at-dropped';
import { InboxByTenant1766200000000 } from './migrations/1766200000000-inbox-by-tenant';
import { DeadLetters1766200100000 } from './migrations/1766200100000-dead-letters';
import { UserTokenVersion1766300000000 } from './migrations/1766300000000-user-token-version';
import { TenantDeletionGrace1766500200000 } from './migrations/1766500200000-tenant-deletion-grace';
import { TenantRetention1766500500100 } from './migrations/1766500500100-tenant-retention';
import { OutboxEnvelopeLz41767700000000 } from './migrations/1767700000000-outbox-envelope-lz4';
import { TenantReportRetention1768040000000 } from './migrations/1768040000000-tenant-report-retention';
import { StationNameVersions1768090000000 } from './migrations/1768090000000-station-name-versions';

export const GATEWAY_SCHEMA = 'gateway';

/** Everything the gateway DataSource needs but the connection settings. */
export const gatewaySchema: Omit<ServiceDataSourceOptions, 'settings'> = {
  schema: GATEWAY_SCHEMA,
  entities: [Tenant, Station, User, UserStation],
  migrations: [
    Messaging1763900000000,
    Identity1764000000000,
    TenantTimeZone1764200000000,
    PartnerKeys1764400000000,
    StationAnnouncements1765000000000,
    PartnerEventIds1765100000000,
    StationAnnouncedAtDropped1765200000000,
    InboxByTenant1766200000000,
    DeadLetters1766200100000,
    UserTokenVersion1766300000000,
    TenantDeletionGrace1766500200000,
    TenantRetention1766500500100,
    OutboxEnvelopeLz41767700000000,
    TenantReportRetention1768040000000,
    StationNameVersions1768090000000,
  ],
};
