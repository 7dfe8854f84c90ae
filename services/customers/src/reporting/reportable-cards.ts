import { Controller } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  CUSTOMERS,
  type CallerContext,
  type CustomerReportableV1,
  type ReportablePage,
  type ReportablePageQuery,
} from '@kanta/contracts';
import { Handles, RpcProblem, reportablePage } from '@kanta/platform';

/**
 * The reporting rebuild's pages of cards (services/reporting/README.md, "Rebuild"): each card's
 * current version as the reporting stream's payload (migration ReportingStream1767800000000
 * builds the same fields in its trigger): an erased card is its shell, every personal field
 * null; a merged one says where it went. Internal: no gateway route.
 */
@Controller()
export class ReportableCardsController {
  constructor(private readonly dataSource: DataSource) {}

  @Handles(CUSTOMERS.reportableCards)
  cards(
    caller: CallerContext,
    data: ReportablePageQuery,
  ): Promise<ReportablePage<CustomerReportableV1>> {
    return reportablePage(caller, data, 1, async (tenantId, after, limit) => {
      const personal = (value: string): string =>
        `CASE WHEN c.status = 'erased' THEN NULL ELSE ${value} END`;
      const rows: { payload: CustomerReportableV1 }[] = await this.dataSource.query(
        `SELECT jsonb_build_object(
           'customerId', c.id, 'version', c.version, 'kind', c.kind,
           'status', c.status, 'customerNumber', c.customer_number,
           'firstName', ${personal('c.first_name')},
           'lastName', ${personal('c.last_name')},
           'companyName', ${personal('c.company_name')},
           'phone', ${personal('c.phone')},
           'email', ${personal('c.email')},
           'street', ${personal(`c.addresses -> 0 ->> 'street'`)},
           'postalCode', ${personal(`c.addresses -> 0 ->> 'postalCode'`)},
           'city', ${personal(`c.addresses -> 0 ->> 'city'`)},
           'country', ${personal(`c.addresses -> 0 ->> 'country'`)},
           'notes', ${personal('c.notes')},
           'stationIds', to_jsonb(c.station_ids), 'groupIds', to_jsonb(c.group_ids),
           'regularOfUserId', c.regular_of_user_id,
           'leasingCompany', c.leasing_company, 'internal', c.internal,
           'createdAt', to_jsonb(c.created_at), 'mergedInto', c.merged_into) AS payload
           FROM customers.customers c
          WHERE c.tenant_id = $1 AND ($2::uuid IS NULL OR c.id > $2::uuid)
          ORDER BY c.id
          LIMIT $3`,
        [tenantId, after?.[0] ?? null, limit + 1],
      );
      return rows.map(({ payload }) => ({ item: payload, key: [payload.customerId] }));
    });
  }

  /**
   * The tenants holding cards: where the reporting service's first start rebuilds. For a
   * superadmin caller outside any tenant (the reporting service's system caller); else 403.
   */
  @Handles(CUSTOMERS.reportableTenants)
  async tenants(caller: CallerContext): Promise<{ tenantIds: string[] }> {
    if (caller.role !== 'superadmin' || caller.tenant !== null) {
      throw RpcProblem.forbidden('The tenants holding cards are for the reporting service.');
    }
    const rows: { tenant_id: string }[] = await this.dataSource.query(
      'SELECT DISTINCT tenant_id FROM customers.customers ORDER BY tenant_id',
    );
    return { tenantIds: rows.map((r) => r.tenant_id) };
  }
}
