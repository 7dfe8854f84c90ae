import { Controller } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  CONSENTS,
  type CallerContext,
  type ConsentPreferencesChangedV1,
  type ConsentRecordedV1,
  type ReportablePage,
  type ReportablePageQuery,
} from '@kanta/contracts';
import { Handles, reportablePage } from '@kanta/platform';

/**
 * The reporting rebuild's pages (services/reporting/README.md, "Rebuild"): the current decision
 * per customer and purpose — the newest ledger entry, a merge undo's "no decision" included —
 * with its entry id, as `consents.consent.recorded.v1` carried it; preferences with their
 * version. By customer (and purpose) in the caller's tenant. Internal: no gateway route.
 */
@Controller()
export class ReportablePagesController {
  constructor(private readonly dataSource: DataSource) {}

  @Handles(CONSENTS.reportableConsents)
  consents(
    caller: CallerContext,
    data: ReportablePageQuery,
  ): Promise<ReportablePage<ConsentRecordedV1>> {
    return reportablePage(caller, data, 2, async (tenantId, after, limit) => {
      const rows: ConsentRecordedV1[] = await this.dataSource.query(
        `SELECT DISTINCT ON (l.customer_id, l.purpose)
                l.customer_id AS "customerId", l.id AS "entryId", l.purpose, l.decision,
                l.text_id AS "textId", t.version AS "textVersion", l.source,
                to_jsonb(l.recorded_at) #>> '{}' AS "recordedAt"
           FROM consents.ledger l
           LEFT JOIN consents.consent_texts t ON t.tenant_id = l.tenant_id AND t.id = l.text_id
          WHERE l.tenant_id = $1
            AND ($2::uuid IS NULL OR (l.customer_id, l.purpose) > ($2::uuid, $3::text))
          ORDER BY l.customer_id, l.purpose, l.id DESC
          LIMIT $4`,
        [tenantId, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
      );
      return rows.map((item) => ({ item, key: [item.customerId, item.purpose] }));
    });
  }

  @Handles(CONSENTS.reportablePreferences)
  preferences(
    caller: CallerContext,
    data: ReportablePageQuery,
  ): Promise<ReportablePage<ConsentPreferencesChangedV1>> {
    return reportablePage(caller, data, 1, async (tenantId, after, limit) => {
      const rows: ConsentPreferencesChangedV1[] = await this.dataSource.query(
        `SELECT p.customer_id AS "customerId", p.blocked, p.preferred_channel AS "preferredChannel",
                p.service_notifications AS "serviceNotifications", p.version
           FROM consents.preferences p
          WHERE p.tenant_id = $1 AND ($2::uuid IS NULL OR p.customer_id > $2::uuid)
          ORDER BY p.customer_id
          LIMIT $3`,
        [tenantId, after?.[0] ?? null, limit + 1],
      );
      return rows.map((item) => ({ item, key: [item.customerId] }));
    });
  }
}
