import { Injectable, type OnModuleInit } from '@nestjs/common';
import { REPORT_RETENTION_DAYS, TENANT_SETTINGS_CHANGED_V1 } from '@kanta/contracts';
import { EventConsumer } from '@kanta/messaging';

/**
 * The tenant's report settings from the gateway's announcements, kept newest version first:
 * `reportRetentionDays` (an announcement without it, made before the setting existed, is the
 * default). Read by ReportJobsRepository.done when a report's file is given its days.
 */
@Injectable()
export class ReportSettings implements OnModuleInit {
  constructor(private readonly events: EventConsumer) {}

  onModuleInit(): void {
    this.events.on(TENANT_SETTINGS_CHANGED_V1, async (event, { manager }) => {
      if (!event.tenantId) return;
      await manager.query(
        `INSERT INTO reporting.tenant_settings AS s (tenant_id, report_retention_days, version)
         VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id) DO UPDATE
           SET report_retention_days = EXCLUDED.report_retention_days, version = EXCLUDED.version
           WHERE s.version < EXCLUDED.version`,
        [
          event.tenantId,
          event.payload.reportRetentionDays ?? REPORT_RETENTION_DAYS.default,
          event.payload.version,
        ],
      );
    });
  }
}
