import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
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
  /**
   * At start, rebuild the tenants whose rebuild stopped, and every tenant the customers service
   * holds cards of when no tenant was ever rebuilt (REPORTING_REBUILD_AT_START, default true).
   */
  atStart: boolean;
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
export class ReadModelRebuild implements OnApplicationBootstrap, BeforeApplicationShutdown {
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

  /**
   * In the background (the service answers meanwhile, the owners may still be starting): the
   * tenants whose rebuild stopped, and — when no tenant was ever rebuilt (a first start on a
   * database where the owners hold data, or the first start of this version) — every tenant the
   * customers service holds cards of. A failure is logged; a tenant not completed is taken
   * again at the next start.
   */
  onApplicationBootstrap(): void {
    if (!this.options.atStart) return;
    void this.rebuildAtStart().catch((error: Error) =>
      this.logger.error({ msg: 'read model rebuild at start failed', error: error.message }),
    );
  }

  private async rebuildAtStart(): Promise<void> {
    const state: { tenant_id: string; completed_at: Date | null }[] = await this.dataSource.query(
      'SELECT tenant_id, completed_at FROM reporting.rebuild_state ORDER BY tenant_id',
    );
    const tenants =
      state.length > 0
        ? state.filter((s) => s.completed_at === null).map((s) => s.tenant_id)
        : (
            await this.clients.customers.call(
              CUSTOMERS.reportableTenants,
              { ...systemContext(null, randomUUID()), role: 'superadmin' },
              {},
            )
          ).tenantIds;
    for (const tenantId of tenants) await this.rebuild(tenantId, randomUUID());
  }

  async rebuild(tenantId: string, correlationId: string): Promise<RebuildResult> {
    await this.dataSource.query(
      `INSERT INTO reporting.rebuild_state (tenant_id, started_at) VALUES ($1, now())
       ON CONFLICT (tenant_id) DO UPDATE SET started_at = now(), completed_at = NULL`,
      [tenantId],
    );
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
    await this.dataSource.query(
      `UPDATE reporting.rebuild_state SET completed_at = now(), counts = $2 WHERE tenant_id = $1`,
      [tenantId, JSON.stringify(counts)],
    );
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
    // A rebuild in flight fails on the closed clients; its tenant is taken again at next start.
    await Promise.all(Object.values(this.clients).map((client) => client.close()));
  }
}

/**
 * Who the rebuild asks as: REPORTING_SYSTEM_USER_ID, an admin of the tenant being rebuilt. The
 * owners scope each page to the context's tenant and read nothing else of it (its country,
 * locale and zone are placeholders: the reporting service does not know them, and the pages
 * print no dates in the tenant's zone). Without a tenant (as a superadmin), it asks which tenants
 * the customers service holds cards of.
 */
export function systemContext(tenantId: string | null, correlationId: string): CallerContext {
  return {
    tenant: tenantId ? { id: tenantId, country: 'FI', locale: 'en', timeZone: 'UTC' } : null,
    userId: REPORTING_SYSTEM_USER_ID,
    role: 'admin',
    stationIds: [],
    currentStationId: null,
    correlationId,
  };
}
