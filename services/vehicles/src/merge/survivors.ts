import type { EntityManager } from 'typeorm';
import { KnownCustomers } from '@kanta/messaging';
import { VEHICLES_SCHEMA } from '../database/schema';

const known = new KnownCustomers(VEHICLES_SCHEMA);

/**
 * Where whatever an answer names these customers for goes now (issue #14): for each merged one,
 * its survivor (the end of its chain of merges, KnownCustomers.survivorOf), as
 * `<tenant>:<customer>` → survivor; customers not merged are left out. The named customers'
 * rows are held (FOR SHARE, in key order) until the transaction ends, as a staff write holds
 * its customer's (CustomerAccess.requireWritable): a merge, which marks the duplicate's row
 * first, waits for the handler that read it before and then moves what it attached; a handler
 * after the mark waits for the merge's commit and follows it. One query for the batch, and one
 * more per merged customer only.
 */
export async function survivorsAmong(
  manager: EntityManager,
  keys: { tenantId: string; customerId: string }[],
): Promise<Map<string, string>> {
  const survivors = new Map<string, string>();
  if (keys.length === 0) return survivors;
  const rows = await manager.query<
    { tenant_id: string; customer_id: string; merged_into: string | null }[]
  >(
    `SELECT k.tenant_id, k.customer_id, k.merged_into FROM vehicles.known_customers k
       JOIN unnest($1::uuid[], $2::uuid[]) AS a(tenant_id, customer_id)
         ON k.tenant_id = a.tenant_id AND k.customer_id = a.customer_id
      ORDER BY k.tenant_id, k.customer_id
      FOR SHARE OF k`,
    [keys.map((k) => k.tenantId), keys.map((k) => k.customerId)],
  );
  for (const row of rows) {
    if (row.merged_into === null) continue;
    survivors.set(
      `${row.tenant_id}:${row.customer_id}`,
      await known.survivorOf(manager, row.tenant_id, row.customer_id),
    );
  }
  return survivors;
}
