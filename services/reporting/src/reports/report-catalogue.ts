import { Injectable } from '@nestjs/common';
import type { CallerContext, ReportType } from '@kanta/contracts';
import { RpcProblem } from '@kanta/platform';
import { CustomersReport } from './customers-report';
import { OnlineBookingsPendingReport } from './online-bookings-pending-report';
import { RegistryReport } from './registry-report';
import { MarketingAudienceReport } from './marketing-audience-report';
import { VisitsSummaryReport } from './visits-summary-report';
import type { ReportDefinition } from './report-definition';

/**
 * Every report type's definition, by type: the one place a new report is added (its class here
 * and in the module's providers, its type in REPORT_TYPES).
 */
/** Every report type's definition, the catalogue's providers (the service's module lists them). */
export const REPORT_DEFINITIONS = [
  RegistryReport,
  CustomersReport,
  OnlineBookingsPendingReport,
  MarketingAudienceReport,
  VisitsSummaryReport,
];

@Injectable()
export class ReportCatalogue {
  private readonly byType: ReadonlyMap<ReportType, ReportDefinition>;

  constructor(
    registry: RegistryReport,
    customers: CustomersReport,
    onlineBookingsPending: OnlineBookingsPendingReport,
    audience: MarketingAudienceReport,
    summary: VisitsSummaryReport,
  ) {
    this.byType = new Map(
      [registry, customers, onlineBookingsPending, audience, summary].map((definition) => [
        definition.type,
        definition,
      ]),
    );
  }

  of(type: ReportType): ReportDefinition {
    const definition = this.byType.get(type);
    if (!definition) throw new Error(`no definition of report type ${type}`);
    return definition;
  }

  /**
   * The criteria of a report the caller asks for, checked by its type: a worker asking for a
   * report type that is not for workers is 403.
   */
  criteria(
    context: CallerContext,
    type: ReportType,
    raw: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const definition = this.of(type);
    if (context.role === 'worker' && !definition.forWorkers) {
      throw RpcProblem.forbidden(`The ${type} report is for the tenant's admins.`);
    }
    return definition.criteria(context, raw);
  }
}
