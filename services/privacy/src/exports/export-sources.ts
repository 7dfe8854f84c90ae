import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import {
  CONSENTS,
  CUSTOMERS,
  VEHICLES,
  type CallerContext,
  type ConsentDataExport,
  type CustomerDataExport,
  type VehicleDataExport,
} from '@kanta/contracts';
import { RpcClient } from '@kanta/platform';
import type { ExportSourceQueues } from '../config';

export const EXPORT_SOURCES_OPTIONS = Symbol('EXPORT_SOURCES_OPTIONS');

export interface ExportSourcesOptions {
  amqpUrl: string;
  queues: ExportSourceQueues;
  timeoutMs: number;
}

/**
 * The services an export asks for their parts, over RPC: the person's data travels only in the
 * replies (direct reply-to, never stored by the broker), not in events, which outboxes and dead
 * letters would keep. Each service answers as the admin who asked (the export's context).
 */
@Injectable()
export class ExportSources implements BeforeApplicationShutdown {
  private readonly clients: Record<keyof ExportSourceQueues, RpcClient>;

  constructor(@Inject(EXPORT_SOURCES_OPTIONS) options: ExportSourcesOptions) {
    const client = (service: keyof ExportSourceQueues) =>
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

  customers(context: CallerContext, customerId: string): Promise<CustomerDataExport> {
    return this.clients.customers.call(CUSTOMERS.exportCustomer, context, { customerId });
  }

  vehicles(context: CallerContext, customerId: string): Promise<VehicleDataExport> {
    return this.clients.vehicles.call(VEHICLES.exportCustomer, context, { customerId });
  }

  consents(context: CallerContext, customerId: string): Promise<ConsentDataExport> {
    return this.clients.consents.call(CONSENTS.exportCustomer, context, { customerId });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(Object.values(this.clients).map((client) => client.close()));
  }
}
