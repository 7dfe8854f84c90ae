import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  CONSENTS,
  CUSTOMERS,
  REPORTING_SYSTEM_USER_ID,
  VEHICLES,
  type CallerContext,
  type RebuildResult,
  type ReportablePage,
  type ReportablePageQuery,
  type RpcOperation,
} from '@kanta/contracts';
import { RpcClient } from '@kanta/platform';
import { ReadModelRepository, type Applied } from '../read-model/read-model.repository';

export const REBUILD_OPTIONS = Symbol('REBUILD_OPTIONS');

/** The owners' command queues the rebuild pages, and how it asks them. */
export interface RebuildOptions {
  amqpUrl: string;
  queues: Record<'customers' | 'vehicles' | 'consents', string>;
  /** How long one page may take (REPORTING_REBUILD_RPC_TIMEOUT_MS, default 30 s). */
  timeoutMs: number;
  /** Rows per page (REPORTING_REBUILD_PAGE_SIZE, default 500). */
  pageSize: number;
}

/**
 * The read model's rebuild (services/reporting/README.md, "Rebuild"): one tenant's reportable
 * data paged from its owners over RPC — cards, then vehicles, visits, sales, decisions and
 * preferences — each page applied in a transaction by the very repository functions the event
 * consumer applies events with, while the consumer keeps running. So the newest version (or
 * ledger entry) decides between a page row and an event, whichever is applied first: a page
 * older than an event already applied changes nothing, an event newer than a page overrides it;
 * a sale is recorded once; an erased card stays a shell and its decisions are not recorded
 * again. Nothing is counted (the per-customer facts are views), so a rebuild run twice, or
 * during a stream of events, neither loses nor doubles anything. Cards come first, so a later
 * page of decisions already sees which customers are erased.
 */
@Injectable()
export class ReadModelRebuild implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ReadModelRebuild.name);
  private readonly clients: Record<keyof RebuildOptions['queues'], RpcClient>;

  constructor(
    @Inject(REBUILD_OPTIONS) private readonly options: RebuildOptions,
    private readonly dataSource: DataSource,
    private readonly readModel: ReadModelRepository,
  ) {
    const client = (service: keyof RebuildOptions['queues']) =>
      new RpcClient({
        service,
        amqpUrl: options.amqpUrl,
        queue: options.queues[service],
        timeoutMs: options.timeoutMs,
      });
    this.clients = {
      customers: client('customers'),
      vehicles: client('vehicles'),
      consents: client('consents'),
    };
  }

  async rebuild(tenantId: string, correlationId: string): Promise<RebuildResult> {
    const context = systemContext(tenantId, correlationId);
    const m = this.readModel;
    const { customers, vehicles, consents } = this.clients;
    const counts: RebuildResult['counts'] = {
      customers: await this.pages(customers, CUSTOMERS.reportableCards, context, (x, e) =>
        m.applyCards(x, e),
      ),
      vehicles: await this.pages(vehicles, VEHICLES.reportableVehicles, context, (x, e) =>
        m.applyVehicles(x, e),
      ),
      visits: await this.pages(vehicles, VEHICLES.reportableVisits, context, (x, e) =>
        m.applyVisits(x, e),
      ),
      sales: await this.pages(vehicles, VEHICLES.reportableSales, context, (x, e) =>
        m.applySales(x, e),
      ),
      consents: await this.pages(consents, CONSENTS.reportableConsents, context, (x, e) =>
        m.applyConsents(x, e),
      ),
      preferences: await this.pages(consents, CONSENTS.reportablePreferences, context, (x, e) =>
        m.applyPreferences(x, e),
      ),
    };
    this.logger.log({ msg: 'read model rebuilt', tenantId, ...counts });
    return { tenantId, counts };
  }

  /** Every page of one owner's operation, each applied in its own transaction; rows read. */
  private async pages<P>(
    client: RpcClient,
    operation: RpcOperation<ReportablePageQuery, ReportablePage<P>>,
    context: CallerContext,
    apply: (manager: EntityManager, rows: Applied<P>[]) => Promise<void>,
  ): Promise<number> {
    const tenantId = context.tenant!.id;
    let cursor: string | undefined;
    let read = 0;
    do {
      const page = await client.call(operation, context, {
        limit: this.options.pageSize,
        ...(cursor ? { cursor } : {}),
      });
      const occurredAt = new Date().toISOString();
      await this.dataSource.transaction((manager) =>
        apply(
          manager,
          page.items.map((payload) => ({ tenantId, occurredAt, payload })),
        ),
      );
      read += page.items.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return read;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(Object.values(this.clients).map((client) => client.close()));
  }
}

/**
 * Who the rebuild asks as: REPORTING_SYSTEM_USER_ID, an admin of the tenant being rebuilt. The
 * owners scope each page to the context's tenant and read nothing else of it (its country,
 * locale and zone are placeholders: the reporting service does not know them, and the pages
 * print no dates in the tenant's zone).
 */
export function systemContext(tenantId: string, correlationId: string): CallerContext {
  return {
    tenant: { id: tenantId, country: 'FI', locale: 'en', timeZone: 'UTC' },
    userId: REPORTING_SYSTEM_USER_ID,
    role: 'admin',
    stationIds: [],
    currentStationId: null,
    correlationId,
  };
}
