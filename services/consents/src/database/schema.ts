import type { ServiceDataSourceOptions } from '@kanta/database';
import { Messaging1763900000000 } from './migrations/1763900000000-messaging';
import { Consents1764500000000 } from './migrations/1764500000000-consents';
import { PartnerConsents1764800000000 } from './migrations/1764800000000-partner-consents';
import { CommandLog1766100000000 } from './migrations/1766100000000-command-log';
import { InboxByTenant1766200000000 } from './migrations/1766200000000-inbox-by-tenant';
import { DeadLetters1766200100000 } from './migrations/1766200100000-dead-letters';
import { KnownCustomersShared1766400000000 } from './migrations/1766400000000-known-customers-shared';
import { LedgerErasure1766600000000 } from './migrations/1766600000000-ledger-erasure';
import { KnownCustomersMerged1767100000000 } from './migrations/1767100000000-known-customers-merged';
import { ConsentMerges1767400000000 } from './migrations/1767400000000-consent-merges';
import { ImportUnknownText1768340000000 } from './migrations/1768340000000-import-unknown-text';

export const CONSENTS_SCHEMA = 'consents';

/** Everything the consents DataSource needs but the connection settings. */
export const consentsSchema: Omit<ServiceDataSourceOptions, 'settings'> = {
  schema: CONSENTS_SCHEMA,
  entities: [],
  migrations: [
    Messaging1763900000000,
    Consents1764500000000,
    PartnerConsents1764800000000,
    CommandLog1766100000000,
    InboxByTenant1766200000000,
    DeadLetters1766200100000,
    KnownCustomersShared1766400000000,
    LedgerErasure1766600000000,
    KnownCustomersMerged1767100000000,
    ConsentMerges1767400000000,
    ImportUnknownText1768340000000,
  ],
  // Triggers refuse changes to both; without the privilege the service's own role cannot even
  // try, nor take the erasure path (`consents.erasure`) the ledger's trigger leaves open: it
  // erases through `consents.erase_ledger_evidence`, the owner's (migration 1766600000000).
  appendOnly: ['ledger', 'consent_texts'],
};
