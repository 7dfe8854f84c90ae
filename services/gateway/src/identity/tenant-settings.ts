import { TENANT_SETTINGS_CHANGED_V1 } from '@kanta/contracts';
import type { OutboxEvent } from '@kanta/messaging';
import { uuidv5 } from '@kanta/platform';

/** The namespace of tenant settings announcements' event ids (a random UUID, fixed for good). */
const TENANT_SETTINGS_EVENTS = '6b1d8e2a-3c47-4f0e-a2d5-9e7c1f4b8a36';

/**
 * The announcement of a tenant's settings other services act on by themselves (the privacy
 * service's retention sweep, the reporting service's report files). Its event id comes from the tenant's id and the settings' version:
 * announced again, it is the same event, which the services' inboxes let through once.
 */
export function tenantSettingsEvent(tenant: {
  id: string;
  retentionYears: number | null;
  reportRetentionDays: number;
  settingsVersion: number;
}): OutboxEvent<typeof TENANT_SETTINGS_CHANGED_V1> {
  return {
    eventId: uuidv5(TENANT_SETTINGS_EVENTS, `${tenant.id}:${tenant.settingsVersion}`),
    type: TENANT_SETTINGS_CHANGED_V1,
    tenantId: tenant.id,
    correlationId: null,
    payload: {
      retentionYears: tenant.retentionYears,
      reportRetentionDays: tenant.reportRetentionDays,
      version: tenant.settingsVersion,
    },
  };
}
