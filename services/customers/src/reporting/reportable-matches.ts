import { Controller } from '@nestjs/common';
import {
  CUSTOMERS,
  type CallerContext,
  type ReportablePage,
  type ReportableMatchesQuery,
} from '@kanta/contracts';
import { Handles, reportablePage } from '@kanta/platform';
import { CustomersRepository } from '../customers/customers.repository';
import { matchCriteria } from '../customers/search/customer-search';

/**
 * The customers report's rows (services/reporting/README.md, "The `customers` report"): the ids
 * of the customers matching the search's criteria, in keyset pages by id, matched by the very
 * translation and condition the customer list uses, so the search's rules stay in this service
 * alone. For the reporting service's admin caller in its tenant (a worker is 403). Internal: no
 * gateway route.
 */
@Controller()
export class ReportableMatchesController {
  constructor(private readonly repository: CustomersRepository) {}

  @Handles(CUSTOMERS.reportableMatches)
  matches(caller: CallerContext, data: ReportableMatchesQuery): Promise<ReportablePage<string>> {
    return reportablePage(caller, data, 1, async (_tenantId, after, limit) => {
      const criteria = matchCriteria(caller, data.criteria);
      if (!criteria) return [];
      const ids = await this.repository.matchingIds(criteria, after?.[0] ?? null, limit + 1);
      return ids.map((id) => ({ item: id, key: [id] }));
    });
  }
}
