import type { EntityManager } from 'typeorm';
import {
  CUSTOMER_CREATED_V1,
  CUSTOMER_UPDATED_V1,
  isUuid,
  type CustomerRecordStatus,
} from '@kanta/contracts';
import type { EventConsumer } from './event-consumer';

/** What the customers service's events tell of a customer, and all another service keeps. */
export interface CustomerFacts {
  customerId: string;
  stationIds: string[];
  status: CustomerRecordStatus;
  version: number;
  customerNumber?: string;
  /** Left out by producers older than the field: the stored value then stands. */
  hasEmail?: boolean;
  hasPhone?: boolean;
}

/** A customer as another service knows it: never a name, an address or a number. */
export interface KnownCustomer {
  customerId: string;
  stationIds: string[];
  status: CustomerRecordStatus;
  hasEmail: boolean;
  hasPhone: boolean;
  version: number;
  /** Kept by a service that keeps numbers (`customerNumbers`), else absent. */
  customerNumber?: string | null;
  /** Status `merged`: the customer it was merged into (directly). */
  mergedInto: string | null;
}

/** Anything that runs SQL: the service's DataSource, or a transaction's manager. */
interface Queryable {
  query<T = unknown>(sql: string, parameters?: unknown[]): Promise<T>;
}

/** The projection table, for a service's migration (the same shape in every schema). */
export function knownCustomersTableUp(schema: string): string[] {
  return [
    `CREATE TABLE "${schema}".known_customers (
       tenant_id uuid NOT NULL,
       customer_id uuid NOT NULL,
       station_ids uuid[] NOT NULL DEFAULT '{}',
       status text NOT NULL DEFAULT 'active',
       has_email boolean NOT NULL DEFAULT false,
       has_phone boolean NOT NULL DEFAULT false,
       version integer NOT NULL DEFAULT 0,
       PRIMARY KEY (tenant_id, customer_id)
     )`,
  ];
}

export function knownCustomersTableDown(schema: string): string[] {
  return [`DROP TABLE "${schema}".known_customers`];
}

/**
 * The merge pointer (issue #14), for a service's migration: the customer a merged duplicate was
 * merged into, set and cleared by the merge and its undo only (`markMerged`, `unmarkMerged`).
 */
export function knownCustomersMergedIntoUp(schema: string): string[] {
  return [`ALTER TABLE "${schema}".known_customers ADD COLUMN merged_into uuid`];
}

export function knownCustomersMergedIntoDown(schema: string): string[] {
  return [`ALTER TABLE "${schema}".known_customers DROP COLUMN merged_into`];
}

/** How long a chain of merges may be followed (A into B into C …): far beyond any real one. */
const MAX_MERGE_CHAIN = 50;

const POLL_MS = 25;

/** How recent a customer id's own timestamp must be for a call about it to wait for it. */
const IN_FLIGHT_MS = 30_000;

/**
 * Customer ids are UUIDv7: their first 48 bits are the creation time in milliseconds. Only an id
 * made in the last moments can belong to a customer whose created event is still on its way;
 * any other unknown id is answered at once, so unknown ids cannot hold a service up.
 */
function mintedJustNow(id: string): boolean {
  if (id[14] !== '7') return false;
  const created = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  const age = Date.now() - created;
  return age > -5_000 && age < IN_FLIGHT_MS;
}

/**
 * The customers another service knows, learnt from the customers service's events
 * (`customers.customer.created.v1`, `…updated.v1`) into its own schema's `known_customers`: ids,
 * stations (who may see them), status, whether an e-mail address and a phone number are on file,
 * and the version. The rules, the same in every service:
 *
 * - The newest version wins, whatever order events arrive in; a version at or below the stored
 *   one changes nothing (the same version is the same card: a redelivery, or the same event from
 *   another path). A batch has the effect of its events handled one by one, in delivery order.
 * - Stations and status are the newest version's, whole.
 * - `hasEmail` / `hasPhone` are as the newest applied event that told them left them; an event
 *   that leaves them out (an older producer) keeps what is stored, and a customer never told has
 *   none.
 * - A service that learns of a customer before its created event (the vehicles service, from a
 *   contact answer) remembers it at version 0, which any event of the customer replaces.
 * - Nothing personal is kept, so an erasure has nothing to clear here: it arrives, like any
 *   change of the card, as a newer version (no address on file) and is applied by the same rule.
 * - Erased is final: a service's own erasure marks the row erased at once (before the customers
 *   service's event says so), and no event after it, newer version or not, makes it active
 *   again or gives it an address (an edit in flight when the card was erased).
 * - Merged is the merge's to set and clear: a service's merge marks the duplicate `merged` with
 *   `merged_into` (`markMerged`) and its undo clears it (`unmarkMerged`). Events never do: an
 *   edit in flight cannot make a merged duplicate active, and a late `merged` event cannot make
 *   an unmerged one merged again; a customer first learnt from a `merged` event is kept active
 *   until the merge itself comes.
 */
export class KnownCustomers {
  /**
   * `customerNumbers`: the service also keeps each customer's number (its `known_customers`
   * has a `customer_number` column): the privacy service, which checks the number an admin
   * types to confirm an erasure.
   */
  constructor(
    private readonly schema: string,
    private readonly options: { customerNumbers?: boolean } = {},
  ) {}

  /** Learns customers from the events the service's consumer receives. */
  register(events: EventConsumer): void {
    const learn = (
      batch: { tenantId: string | null; payload: CustomerFacts }[],
      manager: EntityManager,
    ): Promise<void> =>
      this.remember(
        manager,
        batch.flatMap((e) => (e.tenantId ? [{ tenantId: e.tenantId, facts: e.payload }] : [])),
      );
    events.onBatch(CUSTOMER_CREATED_V1, (batch, { manager }) => learn(batch, manager));
    events.onBatch(CUSTOMER_UPDATED_V1, (batch, { manager }) => learn(batch, manager));
  }

  /**
   * Applies what a batch tells, as if one fact after another: new customers in one statement,
   * known ones in a second. A row another transaction inserts meanwhile is updated by the second
   * like any other (READ COMMITTED sees it once committed), and a row inserted by the first has
   * the batch's version already, so the second leaves it alone.
   */
  async remember(
    manager: EntityManager,
    customers: { tenantId: string; facts: CustomerFacts }[],
  ): Promise<void> {
    const rows = newestOfEach(customers);
    if (rows.length === 0) return;
    const table = `"${this.schema}".known_customers`;
    const numbers = this.options.customerNumbers === true;
    const batch = `unnest($1::uuid[], $2::uuid[], $3::jsonb[], $4::text[], $5::int[],
                          $6::boolean[], $7::int[], $8::boolean[], $9::int[]
                          ${numbers ? ', $10::text[]' : ''})
                     AS k(tenant_id, customer_id, stations, status, version,
                          has_email, email_version, has_phone, phone_version
                          ${numbers ? ', customer_number' : ''})`;
    const values = [
      rows.map((r) => r.tenantId),
      rows.map((r) => r.facts.customerId),
      // Arrays of different lengths do not make one 2-D array: each travels as JSON.
      rows.map((r) => JSON.stringify(r.facts.stationIds)),
      rows.map((r) => r.facts.status),
      rows.map((r) => r.facts.version),
      rows.map((r) => r.email?.value ?? null),
      rows.map((r) => r.email?.version ?? null),
      rows.map((r) => r.phone?.value ?? null),
      rows.map((r) => r.phone?.version ?? null),
      ...(numbers ? [rows.map((r) => r.facts.customerNumber ?? null)] : []),
    ];
    await manager.query(
      `INSERT INTO ${table} (tenant_id, customer_id, station_ids, status, has_email, has_phone,
         version${numbers ? ', customer_number' : ''})
       SELECT k.tenant_id, k.customer_id,
              ARRAY(SELECT jsonb_array_elements_text(k.stations))::uuid[],
              CASE WHEN k.status = 'merged' THEN 'active' ELSE k.status END,
              coalesce(k.has_email, false), coalesce(k.has_phone, false), k.version
              ${numbers ? ', k.customer_number' : ''}
         FROM ${batch}
       ON CONFLICT (tenant_id, customer_id) DO NOTHING`,
      values,
    );
    await manager.query(
      `UPDATE ${table} c SET
         station_ids = ARRAY(SELECT jsonb_array_elements_text(k.stations))::uuid[],
         status = CASE WHEN c.status = 'erased' OR c.merged_into IS NOT NULL THEN c.status
                       WHEN k.status = 'merged' THEN c.status ELSE k.status END,
         has_email = CASE WHEN c.status = 'erased' THEN false
                          WHEN k.email_version > c.version THEN k.has_email ELSE c.has_email END,
         has_phone = CASE WHEN c.status = 'erased' THEN false
                          WHEN k.phone_version > c.version THEN k.has_phone ELSE c.has_phone END,
         version = k.version
         ${numbers ? ', customer_number = coalesce(k.customer_number, c.customer_number)' : ''}
         FROM ${batch}
        WHERE c.tenant_id = k.tenant_id AND c.customer_id = k.customer_id
          AND c.version < k.version`,
      values,
    );
  }

  /**
   * Whether the customer is erased, read in the transaction of a change about them and holding
   * their row (FOR SHARE) until it ends: an erasure, which marks the row first (`markErased`),
   * then either waits for the change and erases it with the rest, or has committed and the
   * change sees it. Read it before the change's other locks, the order the erasure takes them
   * in. An unknown customer is not erased.
   */
  async isErased(manager: EntityManager, tenantId: string, customerId: string): Promise<boolean> {
    const rows = await manager.query<{ status: string }[]>(
      `SELECT status FROM "${this.schema}".known_customers
        WHERE tenant_id = $1 AND customer_id = $2 FOR SHARE`,
      [tenantId, customerId],
    );
    return rows[0]?.status === 'erased';
  }

  /**
   * Marks the customer erased, known before or not, in an erasure's transaction and first in
   * it: from then on `isErased` says so (after the commit; a change holding the row is waited
   * for), and no event makes it active again or gives it an address.
   */
  async markErased(manager: EntityManager, tenantId: string, customerId: string): Promise<void> {
    await manager.query(
      `INSERT INTO "${this.schema}".known_customers (tenant_id, customer_id, status)
       VALUES ($1, $2, 'erased')
       ON CONFLICT (tenant_id, customer_id) DO UPDATE
         SET status = 'erased', has_email = false, has_phone = false`,
      [tenantId, customerId],
    );
  }

  /**
   * Marks the duplicate merged into the survivor, known before or not, first in a merge's
   * transaction (the order an erasure takes its lock in): from then on `survivorOf` sends
   * whatever names the duplicate to the survivor.
   */
  async markMerged(
    manager: EntityManager,
    tenantId: string,
    duplicateId: string,
    survivorId: string,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO "${this.schema}".known_customers (tenant_id, customer_id, status, merged_into)
       VALUES ($1, $2, 'merged', $3)
       ON CONFLICT (tenant_id, customer_id) DO UPDATE
         SET status = CASE WHEN known_customers.status = 'erased' THEN 'erased' ELSE 'merged' END,
             merged_into = $3`,
      [tenantId, duplicateId, survivorId],
    );
  }

  /** The undo of `markMerged`: the duplicate is a customer of its own again (active). */
  async unmarkMerged(manager: EntityManager, tenantId: string, duplicateId: string): Promise<void> {
    await manager.query(
      `UPDATE "${this.schema}".known_customers
          SET merged_into = NULL,
              status = CASE WHEN status = 'merged' THEN 'active' ELSE status END
        WHERE tenant_id = $1 AND customer_id = $2`,
      [tenantId, duplicateId],
    );
  }

  /**
   * The customer whatever names `customerId` belongs to now: itself, or the end of its chain of
   * merges (A into B into C is C). Unknown customers are themselves.
   */
  async survivorOf(db: Queryable, tenantId: string, customerId: string): Promise<string> {
    const rows = await db.query<{ customer_id: string }[]>(
      `WITH RECURSIVE chain(customer_id, merged_into, depth) AS (
         SELECT customer_id, merged_into, 0 FROM "${this.schema}".known_customers
          WHERE tenant_id = $1 AND customer_id = $2
         UNION ALL
         SELECT k.customer_id, k.merged_into, chain.depth + 1
           FROM chain JOIN "${this.schema}".known_customers k
             ON k.tenant_id = $1 AND k.customer_id = chain.merged_into
          WHERE chain.depth < ${MAX_MERGE_CHAIN}
       )
       SELECT customer_id FROM chain WHERE merged_into IS NULL OR depth = ${MAX_MERGE_CHAIN}
        ORDER BY depth DESC LIMIT 1`,
      [tenantId, customerId],
    );
    return rows[0]?.customer_id ?? customerId;
  }

  /** The customer of the tenant, if known; an id that cannot be one is not looked up. */
  async find(db: Queryable, tenantId: string, customerId: string): Promise<KnownCustomer | null> {
    if (!isUuid(customerId)) return null;
    const rows = await db.query<KnownCustomer[]>(
      `SELECT customer_id AS "customerId", station_ids AS "stationIds", status,
              has_email AS "hasEmail", has_phone AS "hasPhone", version,
              merged_into AS "mergedInto"
              ${this.options.customerNumbers ? ', customer_number AS "customerNumber"' : ''}
         FROM "${this.schema}".known_customers WHERE tenant_id = $1 AND customer_id = $2`,
      [tenantId, customerId],
    );
    return rows[0] ?? null;
  }

  /**
   * The customer, waiting up to `waitMs` for one created a moment ago (its created event is
   * milliseconds behind the create); any other unknown id is null at once.
   */
  async await(
    db: Queryable,
    tenantId: string,
    customerId: string,
    waitMs: number,
  ): Promise<KnownCustomer | null> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const found = await this.find(db, tenantId, customerId);
      if (found) return found;
      if (Date.now() + POLL_MS > deadline || !mintedJustNow(customerId)) return null;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}

/** What a batch tells of one customer, as if its facts were applied in turn. */
interface Newest {
  tenantId: string;
  facts: CustomerFacts;
  /** The last applied fact that told `hasEmail`: its value and version. */
  email: Told;
  phone: Told;
}

/**
 * One row per customer, as if the facts were applied in turn (a version not above the one
 * before is refused): the newest version, the first of equals; `hasEmail` and `hasPhone` as the
 * last applied fact that told them left them, to be taken only where that fact's version is
 * above the table's too.
 */
function newestOfEach(customers: { tenantId: string; facts: CustomerFacts }[]): Newest[] {
  const byCustomer = new Map<string, Newest>();
  for (const { tenantId, facts } of customers) {
    const key = `${tenantId}:${facts.customerId}`;
    const seen = byCustomer.get(key);
    // Refused, as the table refuses it when events come one by one: a batch has the effect
    // of its events handled in turn, whichever way the consumer handles them.
    if (seen && seen.facts.version >= facts.version) continue;
    byCustomer.set(key, {
      tenantId,
      facts,
      email: told(facts.hasEmail, facts.version) ?? seen?.email ?? null,
      phone: told(facts.hasPhone, facts.version) ?? seen?.phone ?? null,
    });
  }
  // Sorted, so the writes of two batches take their keys in one order. A deadlock between
  // batches fails one of them, which is tried again whole once, then one by one: nothing is lost.
  return [...byCustomer.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, c]) => c);
}

type Told = { value: boolean; version: number } | null;

function told(value: boolean | undefined, version: number): Told {
  return value === undefined ? null : { value, version };
}
