import { REPORT_RETENTION_DAYS } from './reporting/report.dto';

/**
 * The gateway owns tenants and their settings; it announces the settings other services act on
 * by themselves (the privacy service's retention sweep, the reporting service's report files)
 * at a tenant's creation and at each change,
 * so no service calls the gateway for them. `version` grows with each change: a consumer keeps
 * the highest, whatever order the announcements arrive in.
 */
export const TENANT_SETTINGS_CHANGED_V1 = 'gateway.tenant.settings.v1';

export interface TenantSettingsChangedV1 {
  /** Years without activity after which a customer is erased; null: retention is off. */
  retentionYears: number | null;
  /**
   * Days a done report's file is kept (REPORT_RETENTION_DAYS); absent in announcements made
   * before the setting existed, which means the default.
   */
  reportRetentionDays?: number;
  version: number;
}

export const tenantSettingsChangedV1Schema = {
  $id: TENANT_SETTINGS_CHANGED_V1,
  type: 'object',
  additionalProperties: true,
  required: ['retentionYears', 'version'],
  properties: {
    retentionYears: { type: ['integer', 'null'], minimum: 1, maximum: 30 },
    reportRetentionDays: {
      type: 'integer',
      minimum: REPORT_RETENTION_DAYS.min,
      maximum: REPORT_RETENTION_DAYS.max,
    },
    version: { type: 'integer', minimum: 1 },
  },
} as const;
