import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CallerContext } from '@kanta/contracts';
import { RpcProblem, canSee } from '@kanta/platform';

export interface KnownCustomer {
  customer_id: string;
  station_ids: string[];
  status: string;
  has_email: boolean;
  has_phone: boolean;
}

export const CUSTOMER_WAIT_MS = Symbol('CUSTOMER_WAIT_MS');
const POLL_MS = 50;

/** How recent a customer id's own timestamp must be for a call about it to wait for it. */
const IN_FLIGHT_MS = 30_000;

/**
 * Customer ids are UUIDv7: their first 48 bits are the creation time in milliseconds. Only an id
 * made in the last moments can belong to a customer whose created event is still on its way;
 * any other unknown id is answered at once, so unknown ids cannot hold the service up.
 */
function mintedJustNow(id: string): boolean {
  if (id[14] !== '7') return false;
  const created = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  const age = Date.now() - created;
  return age > -5_000 && age < IN_FLIGHT_MS;
}

/**
 * The customers this service knows, learnt from customer events (ids, stations, whether an
 * e-mail address and a phone number are on file — never the values). A customer created a
 * moment ago may not have arrived yet: a call about a just-minted id nobody knows waits up to
 * CONSENTS_CUSTOMER_WAIT_MS for it before answering 404; every other unknown id answers at once.
 */
@Injectable()
export class CustomerDirectory {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(CUSTOMER_WAIT_MS) private readonly waitMs: number,
  ) {}

  /** The customer, if the caller may see it; 404 otherwise (another tenant's, another station's). */
  async require(
    context: CallerContext,
    tenantId: string,
    customerId: string,
  ): Promise<KnownCustomer> {
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const found = await this.find(tenantId, customerId);
      if (found) {
        if (!canSee(context, found.station_ids)) throw RpcProblem.notFound('Customer');
        return found;
      }
      if (Date.now() + POLL_MS > deadline || !mintedJustNow(customerId)) {
        throw RpcProblem.notFound('Customer');
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  async find(tenantId: string, customerId: string): Promise<KnownCustomer | null> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(customerId)) {
      return null;
    }
    const rows = await this.dataSource.query<KnownCustomer[]>(
      `SELECT customer_id, station_ids, status, has_email, has_phone FROM consents.customers
        WHERE tenant_id = $1 AND customer_id = $2`,
      [tenantId, customerId],
    );
    return rows[0] ?? null;
  }
}
