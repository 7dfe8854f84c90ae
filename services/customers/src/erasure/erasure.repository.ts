import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CONTACT_RESOLVED_V1, type ExternalIdDto } from '@kanta/contracts';
import { looseEnvelope } from '@kanta/messaging';
import type { UpdatedCustomerFacts } from '../customers/customer-events';
import type { CustomerRow } from '../customers/customer-row';

/**
 * What the erasure reads of a customer before clearing it: its identifiers (to lock them and to
 * find the partner events that carried them), and which card fields hold something (their names
 * go in the update event). The sealed fields are not opened: whether they are set is enough.
 */
export interface CustomerBeforeErasure {
  status: CustomerRow['status'];
  phone: string | null;
  email: string | null;
  external_ids: ExternalIdDto[];
  /** The card fields that hold something, by their API names. */
  filled: string[];
}

/** Each card field the erasure clears, by its API name, and when it holds something. */
const FILLED_WHEN: [field: string, sql: string][] = [
  ['firstName', 'first_name IS NOT NULL'],
  ['lastName', 'last_name IS NOT NULL'],
  ['companyName', 'company_name IS NOT NULL'],
  ['businessId', 'business_id IS NOT NULL'],
  ['phone', '(phone IS NOT NULL OR phone_raw IS NOT NULL OR phone_national IS NOT NULL)'],
  ['email', 'email IS NOT NULL'],
  ['addresses', `addresses <> '[]'`],
  ['notes', 'notes IS NOT NULL'],
  ['externalIds', `external_ids <> '[]'`],
  ['description', 'description IS NOT NULL'],
  ['groupIds', `group_ids <> '{}'`],
  ['sourceId', 'source_id IS NOT NULL'],
  ['regularOfUserId', 'regular_of_user_id IS NOT NULL'],
  ['discountPercent', 'discount_percent IS NOT NULL'],
  ['nameDay', 'name_day_month IS NOT NULL'],
  ['birthday', '(birthday_enc IS NOT NULL OR birthday_lookup IS NOT NULL)'],
  ['documents', 'documents_enc IS NOT NULL'],
  ['internal', 'internal'],
  ['leasingCompany', 'leasing_company'],
  ['leasingCompanyId', 'leasing_company_id IS NOT NULL'],
];

/**
 * The customers schema's part of an erasure, statement by statement, in the transaction of the
 * request's inbox. Each statement answers how many rows it cleared or removed.
 */
@Injectable()
export class ErasureRepository {
  /**
   * The customer, locked for the erasure (FOR UPDATE: every path that adds something to a
   * customer takes at least a key-share lock on it first, so it waits and then sees the shell).
   */
  async lockCustomer(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
  ): Promise<CustomerBeforeErasure | null> {
    const filled = FILLED_WHEN.map(([field, sql]) => `CASE WHEN ${sql} THEN '${field}' END`);
    const rows = await manager.query<CustomerBeforeErasure[]>(
      `SELECT status, phone, email, external_ids,
              array_remove(ARRAY[${filled.join(', ')}], NULL) AS filled
         FROM customers.customers WHERE tenant_id = $1 AND id = $2
          FOR UPDATE`,
      [tenantId, customerId],
    );
    return rows[0] ?? null;
  }

  /**
   * Clears every personal, derived and projected field and makes the row the erased shell
   * (the table's customers_erased_shell_check says the same); the generated search columns
   * follow. Kept: id, tenant, kind, origin, customer number, stations, dates and version (one
   * more). Answers the facts of its update event, or null when it was erased already.
   */
  async clearCustomer(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
  ): Promise<UpdatedCustomerFacts | null> {
    const [rows] = await manager.query<[UpdatedCustomerFacts[], number]>(
      `UPDATE customers.customers
          SET first_name = NULL, last_name = NULL, company_name = NULL, business_id = NULL,
              phone = NULL, phone_raw = NULL, phone_national = NULL, email = NULL,
              addresses = '[]', notes = NULL, description = NULL, external_ids = '[]',
              group_ids = '{}', source_id = NULL, regular_of_user_id = NULL,
              discount_percent = NULL, name_day_month = NULL, name_day_day = NULL,
              birthday_enc = NULL, birthday_lookup = NULL, documents_enc = NULL,
              internal = false, leasing_company = false, leasing_company_id = NULL,
              vehicle_text = NULL, marketing_consents = 0, deletion_request_id = NULL,
              deletion_requested_at = NULL, deletion_due_at = NULL,
              status = 'erased', erased_at = now(), merged_into = NULL,
              version = version + 1, updated_at = now()
        WHERE tenant_id = $1 AND id = $2 AND status <> 'erased'
        RETURNING id, customer_number, status, station_ids, version, email, phone`,
      [tenantId, customerId],
    );
    return rows[0] ?? null;
  }

  /** The customer's reminders (their comments are about the person); answers their ids. */
  async deleteReminders(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
  ): Promise<string[]> {
    const [rows] = await manager.query<[{ id: string }[], number]>(
      `DELETE FROM customers.reminders WHERE tenant_id = $1 AND customer_id = $2 RETURNING id`,
      [tenantId, customerId],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Forgets the request fingerprints of the commands that made or changed these records (the
   * customer, its reminders). A fingerprint is a SHA-256 of the whole request: the card's values
   * for a create, a single phone number for a patch of it, which is few enough guesses to find
   * it again. Without one, the command id still answers its record (now the shell) when sent
   * again, as the keys carried over from before the command log do; its answer column holds
   * no card values in this service (null, or a count).
   */
  async forgetCommandRequests(
    manager: EntityManager,
    tenantId: string,
    resultIds: string[],
  ): Promise<number> {
    const [, affected] = await manager.query<[unknown, number]>(
      `UPDATE customers.commands SET fingerprint = NULL
        WHERE tenant_id = $1 AND result_id = ANY($2::uuid[]) AND fingerprint IS NOT NULL`,
      [tenantId, resultIds],
    );
    return affected;
  }

  /**
   * Deletes the customer's rows in one of the tables keyed by it (the projections, its external
   * ids, its duplicate pairs on either side, the merges it was either side of).
   */
  async deleteRows(
    manager: EntityManager,
    table: ErasedTable,
    tenantId: string,
    customerId: string,
  ): Promise<number> {
    const [, affected] = await manager.query<[unknown, number]>(
      `DELETE FROM customers.${table} WHERE tenant_id = $1 AND ${CUSTOMER_COLUMNS[table]}`,
      [tenantId, customerId],
    );
    return affected;
  }

  /**
   * The partner events that carried the customer's details: those it was resolved to (this
   * service's answers still in the outbox), and dead-lettered ones whose contact has one of
   * the customer's identifiers (`keysOf` reads them as the resolution would). Their ids, for
   * the participant mechanism to delete their dead letters and published outbox rows.
   */
  async partnerEventsOf(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
    keys: string[],
    keysOf: (payload: unknown) => string[],
  ): Promise<string[]> {
    const answered = await manager.query<{ id: string }[]>(
      `SELECT DISTINCT envelope -> 'payload' ->> 'partnerEventId' AS id FROM customers.outbox
        WHERE tenant_id = $1 AND type = $2 AND envelope -> 'payload' ->> 'customerId' = $3`,
      [tenantId, CONTACT_RESOLVED_V1, customerId],
    );
    const ids = answered.map((r) => r.id);
    if (keys.length === 0) return ids;
    const dead = await manager.query<{ event_id: string; body: Buffer }[]>(
      `SELECT event_id, body FROM customers.dead_letters
        WHERE tenant_id = $1 AND routing_key LIKE 'partner.%' AND event_id IS NOT NULL`,
      [tenantId],
    );
    for (const { event_id, body } of dead) {
      const payload = looseEnvelope(body)?.payload;
      if (keysOf(payload).some((key) => keys.includes(key))) ids.push(event_id);
    }
    return ids;
  }
}

/** The tables the erasure deletes the customer's rows from, and how a row names it. */
const CUSTOMER_COLUMNS = {
  customer_external_ids: 'customer_id = $2',
  customer_marketing_consents: 'customer_id = $2',
  customer_vehicles: 'customer_id = $2',
  duplicate_pairs: '(customer_a = $2 OR customer_b = $2)',
  customer_merges: '(survivor_id = $2 OR duplicate_id = $2)',
  // An import's rows about the customer (the one it created or updated, or the duplicate's
  // candidate): their planned values, cells and errors are the customer's (docs/import.md).
  import_rows: 'customer_id = $2',
} as const;
export type ErasedTable = keyof typeof CUSTOMER_COLUMNS;
