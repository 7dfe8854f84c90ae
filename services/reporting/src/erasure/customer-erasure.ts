import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ErasureParticipant, EventConsumer, Outbox, type ServiceErasure } from '@kanta/messaging';
import { REPORTING_SCHEMA } from '../database/schema';
import { ReportFiles } from '../reports/report-files';
import { ReportJobsRepository } from '../reports/report-jobs.repository';

/**
 * This service's part in a customer's erasure (`privacy.erasure.requested.v1`, ErasureParticipant
 * in libs/messaging), in the transaction of the request's inbox; the participant runs it for the
 * customer and for each one merged into them:
 *
 * - the card becomes an erased shell at once, known before or not: id, number, stations, dates
 *   and version stay (the visits-summary counts the erased person's visits as the business's),
 *   every personal field goes, and erased is final: a card event in flight (an edit made before
 *   the erasure) changes nothing any more (ReadModelRepository.applyCards);
 * - the decisions and preferences go (nobody is asked for consent after an erasure) and are not
 *   recorded again;
 * - visits, sales and vehicles stay: ids, dates, statuses, amounts and plates, nothing of the
 *   person (the vehicles service decides about the vehicle and tells by its events);
 * - every report whose manifest names the person, done or being written, becomes `erased` and
 *   its file is deleted (a run being written stops at its next batch and deletes its own).
 *
 * Counts: `customers` (0 or 1: a card with personal fields cleared), `consents`, `preferences`,
 * `reports`;
 * the participant adds `deadLetters` and `outbox`.
 */
@Injectable()
export class CustomerErasure implements OnModuleInit {
  constructor(
    private readonly events: EventConsumer,
    private readonly outbox: Outbox,
    private readonly reports: ReportJobsRepository,
    private readonly files: ReportFiles,
  ) {}

  onModuleInit(): void {
    new ErasureParticipant('reporting', REPORTING_SCHEMA).register(
      this.events,
      this.outbox,
      (manager, tenantId, customerId) => this.erase(manager, tenantId, customerId),
    );
  }

  async erase(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
  ): Promise<ServiceErasure> {
    const [cleared] = await manager.query<{ existed: boolean }[]>(
      `INSERT INTO reporting.customers AS c (tenant_id, customer_id, version, status)
       VALUES ($1, $2, 0, 'erased')
       ON CONFLICT (tenant_id, customer_id) DO UPDATE SET
         status = 'erased', first_name = NULL, last_name = NULL, company_name = NULL,
         phone = NULL, email = NULL, street = NULL, postal_code = NULL, city = NULL,
         country = NULL, notes = NULL
       RETURNING (xmax <> 0) AS existed`,
      [tenantId, customerId],
    );
    const [, consents] = await manager.query<[unknown, number]>(
      'DELETE FROM reporting.consents WHERE tenant_id = $1 AND customer_id = $2',
      [tenantId, customerId],
    );
    const [, preferences] = await manager.query<[unknown, number]>(
      'DELETE FROM reporting.preferences WHERE tenant_id = $1 AND customer_id = $2',
      [tenantId, customerId],
    );
    const reports = await this.reports.eraseNaming(manager, tenantId, [customerId]);
    // Deleted before the transaction commits: were it to roll back, the erasure is delivered
    // again and finds the reports erased already; a file deleted is never a person kept.
    for (const report of reports) await this.files.remove(tenantId, report.id, report.format);
    return {
      counts: {
        customers: cleared?.existed ? 1 : 0,
        consents,
        preferences,
        reports: reports.length,
      },
    };
  }
}
