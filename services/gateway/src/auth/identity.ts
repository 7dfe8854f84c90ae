import type { Locale, Role } from '@kanta/contracts';

/** A user as the gateway knows them while answering one request. */
export interface Identity {
  user: { id: string; email: string; role: Role; active: boolean; tokenVersion: number };
  tenant: {
    id: string;
    slug: string;
    name: string;
    locale: Locale;
    country: string;
    timeZone: string;
    deletionGraceDays: number;
  } | null;
  /** Stations the user works at (for an admin: every station of the tenant), ordered by name. */
  stationIds: string[];
  /** Every station of the user's tenant, for checking ids sent in bodies and queries. */
  tenantStationIds: ReadonlySet<string>;
}

/** The claims of our access tokens. */
export interface AccessTokenClaims {
  sub: string;
  /** The station chosen at login, or null. */
  sid: string | null;
  /** The user's token version at issue (0 for tokens issued before versions existed). */
  ver: number;
}
