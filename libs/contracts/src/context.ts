/** Roles as the seeds name them. */
export const ROLES = ['superadmin', 'admin', 'worker'] as const;
export type Role = (typeof ROLES)[number];

export const LOCALES = ['fi', 'pl', 'fr', 'uk', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/**
 * Who is asking. The gateway builds it from the verified token and its own identity data and
 * sends it with every RPC; services trust it because only the gateway can reach their queues.
 * `tenant` is null only for a superadmin acting outside any tenant.
 */
export interface CallerContext {
  tenant: {
    id: string;
    country: string;
    locale: Locale;
    /** IANA time zone (`Europe/Helsinki`): dates are stored in UTC and shown in this zone. */
    timeZone: string;
  } | null;
  userId: string;
  role: Role;
  /** Stations the user works at (all of the tenant's for an admin). */
  stationIds: string[];
  /** The station the user is working at now; the default for new customers. */
  currentStationId: string | null;
  correlationId: string;
}
