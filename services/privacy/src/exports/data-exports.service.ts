import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  problemType,
  type CallerContext,
  type CustomerRef,
  type DataExportFile,
  type DataExportView,
} from '@kanta/contracts';
import { CommandLog, KnownCustomers } from '@kanta/messaging';
import {
  RpcProblem,
  customerMerged,
  requireTenant,
  uuidv7,
  type WriteCommand,
} from '@kanta/platform';
import { AccessLogRepository } from '../audit/access-log.repository';
import { CUSTOMER_WAIT_MS } from '../erasures/erasures.service';
import { ErasuresRepository } from '../erasures/erasures.repository';
import { DataExportsRepository } from './data-exports.repository';
import { ExportJobs } from './export-jobs';

/**
 * Data hand-overs (Timma's "Luovuta tiedot"): an admin asks for one, it is recorded with its
 * entry in the access audit (`export`) and its job gathers it (ExportRun); the ready file is
 * downloaded, each download audited too (`handover`: the data left the system).
 */
@Injectable()
export class DataExports {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: DataExportsRepository,
    private readonly erasures: ErasuresRepository,
    private readonly commands: CommandLog,
    private readonly known: KnownCustomers,
    private readonly accessLog: AccessLogRepository,
    private readonly jobs: ExportJobs,
    @Inject(CUSTOMER_WAIT_MS) private readonly waitMs: number,
  ) {}

  request(context: CallerContext, data: CustomerRef, command: WriteCommand) {
    const tenantId = requireTenant(context).id;
    return this.commands.once(
      command,
      () => this.requestOnce(context, tenantId, data.customerId, command),
      async (earlier) => this.get(context, earlier.resultId as string),
    );
  }

  private async requestOnce(
    context: CallerContext,
    tenantId: string,
    customerId: string,
    command: WriteCommand,
  ): Promise<DataExportView> {
    const customer = await this.known.await(this.dataSource, tenantId, customerId, this.waitMs);
    if (!customer) throw RpcProblem.notFound('Customer');
    const erasure = await this.erasures.ofCustomer(
      this.dataSource.manager,
      tenantId,
      customer.customerId,
    );
    if (erasure || customer.status === 'erased') {
      throw RpcProblem.conflict(
        'customer-erased',
        'Customer erased',
        'The customer is erased (or its erasure was requested): nothing of the person is left to hand over.',
      );
    }
    if (customer.status === 'merged') {
      throw customerMerged(
        await this.known.survivorOf(this.dataSource, tenantId, customer.customerId),
      );
    }
    const view = await this.dataSource.transaction(async (manager) => {
      const id = uuidv7();
      const created = await this.repository.insert(manager, {
        tenantId,
        id,
        customerId: customer.customerId,
        requestedBy: context.userId,
        context,
        correlationId: context.correlationId,
      });
      await this.accessLog.insert(manager, tenantId, [
        {
          id: uuidv7(),
          at: created.requestedAt,
          action: 'export',
          userId: context.userId,
          role: context.role,
          stationId: context.currentStationId,
          customerIds: [customer.customerId],
          correlationId: context.correlationId,
        },
      ]);
      await this.commands.record(manager, command, { id });
      return created;
    });
    await this.jobs.schedule(tenantId, view.id);
    return view;
  }

  async get(context: CallerContext, id: string): Promise<DataExportView> {
    const found = await this.repository.view(
      this.dataSource.manager,
      requireTenant(context).id,
      id,
    );
    if (!found) throw RpcProblem.notFound('Data export');
    return found;
  }

  /** The ready export's ZIP; 409 while it is not ready or when it failed, 410 once expired. */
  async file(context: CallerContext, id: string): Promise<DataExportFile> {
    const tenantId = requireTenant(context).id;
    const found = await this.repository.file(this.dataSource.manager, tenantId, id);
    if (!found) throw RpcProblem.notFound('Data export');
    const { view, file } = found;
    if (view.status === 'expired' || (view.status === 'ready' && file === null)) {
      throw new RpcProblem({
        type: problemType('export-expired'),
        title: 'Export expired',
        status: 410,
        detail: `The export's file was deleted when its days were over (${view.expiresAt}). Request a new export.`,
      });
    }
    if (view.status === 'failed') {
      throw RpcProblem.conflict(
        'export-failed',
        'Export failed',
        `The export failed (${view.failure}): request a new one.`,
      );
    }
    if (view.status !== 'ready' || file === null) {
      throw RpcProblem.conflict(
        'export-not-ready',
        'Export not ready',
        `The export is ${view.status} (${view.progress.done} of ${view.progress.total} parts): ` +
          'download it when its status is ready.',
      );
    }
    await this.accessLog.insert(this.dataSource.manager, tenantId, [
      {
        id: uuidv7(),
        at: new Date().toISOString(),
        action: 'handover',
        userId: context.userId,
        role: context.role,
        stationId: context.currentStationId,
        customerIds: [view.customerId],
        correlationId: context.correlationId,
      },
    ]);
    return { fileName: `data-export-${view.id}.zip`, contentBase64: file.toString('base64') };
  }
}
