import { Injectable } from '@nestjs/common';
import { queryPrepared } from '@kanta/database';
import { DataSource, type EntityManager } from 'typeorm';
import type {
  CustomerOrigin,
  ExternalIdDto,
  IdentityDocumentDto,
  MarketingConsentFilter,
} from '@kanta/contracts';
import { SensitiveData } from '../sensitive/sensitive-data';
import type { CustomerRow, CustomerWrite } from './customer-row';
import { wordsMatchCondition } from '../vehicle-search/search-condition';
import type { SearchCursor } from './search-query';

/** A merged customer's survivor, the end of its chain of merges (null unless merged). */
export const MERGED_INTO = `CASE WHEN status = 'merged'
  THEN customers.merge_chain_end(tenant_id, id) END AS merged_into`;

const COLUMNS = `id, tenant_id, kind, first_name, last_name, company_name, business_id, phone,
  phone_raw, phone_national, email, addresses, notes, status, customer_number, station_ids,
  origin, external_ids, description, group_ids, source_id, regular_of_user_id,
  discount_percent::float8 AS discount_percent, name_day_month, name_day_day, birthday_enc,
  documents_enc, internal, leasing_company, leasing_company_id, version, created_at, updated_at,
  erased_at, deletion_request_id, deletion_requested_at, deletion_due_at, ${MERGED_INTO}`;

/** A row as SQL returns it: the sensitive fields still sealed. */
export type StoredCustomerRow = Omit<CustomerRow, 'name_day' | 'birthday' | 'documents'> & {
  name_day_month: number | null;
  name_day_day: number | null;
  birthday_enc: Buffer | null;
  documents_enc: Buffer | null;
};

const BIRTHDAY = 'birthday';
const DOCUMENTS = 'documents';

/**
 * Opens a stored row's sealed fields. Built field by field, not with `...rest`: a search opens 26
 * rows of 33 fields, and copying through rest and spread was a third of the service's own time
 * per search (and left objects V8 could not give one shape).
 */
export function openRow(sensitive: SensitiveData, s: StoredCustomerRow): CustomerRow {
  const owner = { tenantId: s.tenant_id, customerId: s.id };
  return {
    id: s.id,
    tenant_id: s.tenant_id,
    kind: s.kind,
    first_name: s.first_name,
    last_name: s.last_name,
    company_name: s.company_name,
    business_id: s.business_id,
    phone: s.phone,
    phone_raw: s.phone_raw,
    phone_national: s.phone_national,
    email: s.email,
    addresses: s.addresses,
    notes: s.notes,
    status: s.status,
    customer_number: s.customer_number,
    station_ids: s.station_ids,
    origin: s.origin,
    external_ids: s.external_ids,
    description: s.description,
    group_ids: s.group_ids,
    source_id: s.source_id,
    regular_of_user_id: s.regular_of_user_id,
    discount_percent: s.discount_percent,
    name_day:
      s.name_day_month !== null && s.name_day_day !== null
        ? { month: s.name_day_month, day: s.name_day_day }
        : null,
    birthday: s.birthday_enc ? sensitive.open(owner, BIRTHDAY, s.birthday_enc) : null,
    documents: s.documents_enc
      ? (JSON.parse(sensitive.open(owner, DOCUMENTS, s.documents_enc)) as IdentityDocumentDto[])
      : [],
    internal: s.internal,
    leasing_company: s.leasing_company,
    leasing_company_id: s.leasing_company_id,
    version: s.version,
    created_at: s.created_at,
    updated_at: s.updated_at,
    erased_at: s.erased_at,
    merged_into: s.merged_into,
    deletion_request_id: s.deletion_request_id,
    deletion_requested_at: s.deletion_requested_at,
    deletion_due_at: s.deletion_due_at,
  };
}

export interface CustomerSearchCriteria {
  tenantId: string;
  /** LIKE patterns, each already escaped; folded in SQL the way search_text is. */
  patterns: string[];
  includePassive: boolean;
  createdFrom: Date | null;
  /** Exclusive upper bound. */
  createdBefore: Date | null;
  /** Customers belonging to any of these stations; null means no station filter. */
  stationIds: string[] | null;
  /** Customers in any of these groups. */
  groupIds?: string[] | null;
  sourceId?: string | null;
  regularOfUserId?: string | null;
  leasingCompany?: boolean | null;
  internal?: boolean | null;
  /** The one customer holding this external id. */
  externalId?: ExternalIdDto | null;
  marketingConsent?: MarketingConsentFilter | null;
  after: SearchCursor | null;
  limit: number;
}

export const CONSTRAINTS = {
  customerNumber: 'customers_number_unique',
  externalId: 'customer_external_ids_pkey',
} as const;

@Injectable()
export class CustomersRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly sensitive: SensitiveData,
  ) {}

  /** Its own statement, outside any transaction: see allocate_customer_number in the migration. */
  async allocateCustomerNumber(tenantId: string): Promise<string> {
    const rows = await queryPrepared<{ n: string }>(
      this.dataSource,
      'SELECT customers.allocate_customer_number($1) AS n',
      [tenantId],
    );
    return rows[0].n;
  }

  /**
   * A new customer with its external ids, its command and its events, as one statement:
   * atomic without an explicit transaction and one round trip instead of six (each round trip
   * costs the service a socket write, which dominated create latency). A unique violation in any
   * part undoes all of it.
   */
  async insertCustomer(insert: CustomerInsert): Promise<CustomerRow> {
    const { text, values } = insertCustomerStatement(insert, this.sensitive);
    const rows = await queryPrepared<StoredCustomerRow>(this.dataSource, text, values);
    return openRow(this.sensitive, rows[0]);
  }

  async update(
    manager: EntityManager,
    tenantId: string,
    id: string,
    write: CustomerWrite,
  ): Promise<CustomerRow> {
    // TypeORM answers an UPDATE … RETURNING as [rows, affected].
    const columns = WRITE_COLUMNS.map((column, i) => `${column} = $${i + 3}`).join(', ');
    const [rows] = await manager.query<[StoredCustomerRow[], number]>(
      `UPDATE customers.customers SET ${columns}, version = version + 1, updated_at = now()
       WHERE tenant_id = $1 AND id = $2
       RETURNING ${COLUMNS}`,
      [tenantId, id, ...writeParams(write, { tenantId, customerId: id }, this.sensitive)],
    );
    return openRow(this.sensitive, rows[0]);
  }

  /** Several cards of the tenant, row-locked in id order (an import's batch of updates). */
  async findManyForUpdate(
    manager: EntityManager,
    tenantId: string,
    ids: string[],
  ): Promise<CustomerRow[]> {
    if (ids.length === 0) return [];
    const rows = await manager.query<StoredCustomerRow[]>(
      `SELECT ${COLUMNS} FROM customers.customers
        WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE`,
      [tenantId, ids],
    );
    return rows.map((row) => openRow(this.sensitive, row));
  }

  async findById(
    tenantId: string,
    id: string,
    options: { manager?: EntityManager; forUpdate?: boolean } = {},
  ): Promise<CustomerRow | null> {
    const runner = options.manager ?? this.dataSource.manager;
    const rows = await runner.query<StoredCustomerRow[]>(
      `SELECT ${COLUMNS} FROM customers.customers WHERE tenant_id = $1 AND id = $2
       ${options.forUpdate ? 'FOR UPDATE' : ''}`,
      [tenantId, id],
    );
    return rows[0] ? openRow(this.sensitive, rows[0]) : null;
  }

  /**
   * The customer's status (and, merged, whom it lives on as), read under a key-share lock until
   * the caller's transaction ends: what is added to a customer (a reminder) waits for an erasure
   * or a merge in progress and then sees the shell or the merged card, and an erasure waits for
   * the addition and then removes it. Null for no such customer.
   */
  async lockedStatus(
    manager: EntityManager,
    tenantId: string,
    id: string,
  ): Promise<Pick<CustomerRow, 'status' | 'merged_into'> | null> {
    const rows = await manager.query<Pick<CustomerRow, 'status' | 'merged_into'>[]>(
      `SELECT status, ${MERGED_INTO} FROM customers.customers
        WHERE tenant_id = $1 AND id = $2 FOR KEY SHARE`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }

  async addExternalIds(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
    ids: ExternalIdDto[],
  ): Promise<void> {
    if (ids.length === 0) return;
    await manager.query(
      `INSERT INTO customers.customer_external_ids (tenant_id, system, external_id, customer_id)
       SELECT $1, e.system, e.id, $2 FROM jsonb_to_recordset($3::jsonb) AS e(system text, id text)`,
      [tenantId, customerId, JSON.stringify(ids)],
    );
  }

  async removeExternalIds(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
    ids: ExternalIdDto[],
  ): Promise<void> {
    if (ids.length === 0) return;
    await manager.query(
      `DELETE FROM customers.customer_external_ids x
        USING jsonb_to_recordset($3::jsonb) AS e(system text, id text)
        WHERE x.tenant_id = $1 AND x.customer_id = $2
          AND x.system = e.system AND x.external_id = e.id`,
      [tenantId, customerId, JSON.stringify(ids)],
    );
  }

  /** Which of these external ids another customer of the tenant already holds. */
  async externalIdsTaken(
    tenantId: string,
    ids: ExternalIdDto[],
    exceptCustomerId: string | null,
  ): Promise<ExternalIdDto[]> {
    if (ids.length === 0) return [];
    return this.dataSource.query<ExternalIdDto[]>(
      `SELECT x.system, x.external_id AS id FROM customers.customer_external_ids x
         JOIN jsonb_to_recordset($2::jsonb) AS e(system text, id text)
           ON x.system = e.system AND x.external_id = e.id
        WHERE x.tenant_id = $1 AND x.customer_id IS DISTINCT FROM $3::uuid`,
      [tenantId, JSON.stringify(ids), exceptCustomerId],
    );
  }

  /**
   * Search in two steps, because which plan is fast depends on how many customers match, and
   * the planner cannot know that for trigram LIKE patterns:
   * 1. Walk the tenant's newest `window` customers through the primary key and filter them. When
   *    the words are common (a name fragment, a frequent surname) a page fills up here after a
   *    few hundred rows, however large the tenant.
   * 2. Otherwise the matches are rare (fewer than a page among `window` customers), so they are
   *    few: find them all through the trigram index and sort them. Ordering by `id::text` (the
   *    same order as `id` for canonical UUIDs) keeps the planner from walking the primary key
   *    instead, which is what makes rare words slow at a million customers.
   * Results run newest first (ids are UUIDv7), the keyset is the id.
   */
  async search(search: CustomerSearchCriteria, window = SEARCH_WINDOW): Promise<CustomerRow[]> {
    const rows = await runSearch(
      (text, values) => this.dataSource.query(text, values),
      search,
      window,
    );
    return rows.map((row) => openRow(this.sensitive, row));
  }

  /**
   * The ids of the customers matching a search, by id ascending after `after`: the customers
   * report's pages (services/reporting/README.md), by the same condition as the list.
   */
  async matchingIds(
    search: CustomerMatchCriteria,
    after: string | null,
    limit: number,
  ): Promise<string[]> {
    const values: unknown[] = [search.tenantId];
    const param = (value: unknown): string => {
      values.push(value);
      return `$${values.length}`;
    };
    const match = matchCondition(search, param);
    const afterId = param(after);
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT id FROM customers.customers
        WHERE tenant_id = $1 AND ${match} AND (${afterId}::uuid IS NULL OR id > ${afterId}::uuid)
        ORDER BY id LIMIT ${param(limit)}`,
      values,
    );
    return rows.map((row) => row.id);
  }
}

export type QueryRunnerFn = <T>(text: string, values: unknown[]) => Promise<T[]>;

/** The search's decision between its two steps, over any way of running SQL (the benchmark uses pg). */
export async function runSearch(
  query: QueryRunnerFn,
  search: CustomerSearchCriteria,
  window = SEARCH_WINDOW,
): Promise<StoredCustomerRow[]> {
  const { recent, selective } = searchStatements(search, window);
  if (search.externalId || search.patterns.some(isSurelyRare)) {
    return query<StoredCustomerRow>(selective.text, selective.values);
  }
  const rows = await query<StoredCustomerRow>(recent.text, recent.values);
  // A short page may only mean the window ended; the index step answers for the whole tenant.
  if (rows.length >= search.limit) return rows;
  return query<StoredCustomerRow>(selective.text, selective.values);
}

/**
 * A word that can only be rare — an e-mail address, or a run of seven or more digits (a phone
 * number) — goes straight to the index: walking the recent window would find nothing in it.
 */
function isSurelyRare(pattern: string): boolean {
  return pattern.includes('@') || /\d{7,}/.test(pattern);
}

/** Bits of marketing_consents: 1 e-mail, 2 SMS (see the marketing-consents migration). */
const MARKETING_CONSENT_SQL: Record<MarketingConsentFilter, string> = {
  both: 'marketing_consents = 3',
  either: 'marketing_consents > 0',
  neither: 'marketing_consents = 0',
  email: 'marketing_consents IN (1, 3)',
  sms: 'marketing_consents IN (2, 3)',
};

/** How many of the newest customers the first search step looks at. */
export const SEARCH_WINDOW = 4000;

export interface SqlStatement {
  text: string;
  values: unknown[];
}

/** The criteria of a search without its page: what the list and the customers report share. */
export type CustomerMatchCriteria = Omit<CustomerSearchCriteria, 'after' | 'limit'>;

/**
 * The search's rules as one condition over `customers.customers` (which customers match), for
 * both the list's statements and the customers report's pages of ids. `$1` is the tenant;
 * `param` adds a value and returns its placeholder.
 */
function matchCondition(search: CustomerMatchCriteria, param: (value: unknown) => string): string {
  // An erased or merged customer is never a search result, passive ones only when asked for.
  const filters: string[] = [
    search.includePassive ? `status IN ('active', 'passive')` : `status = 'active'`,
  ];
  if (search.createdFrom) filters.push(`created_at >= ${param(search.createdFrom)}`);
  if (search.createdBefore) filters.push(`created_at < ${param(search.createdBefore)}`);
  // Through the tenant-qualified keys and their index (see the tenant-keys migration).
  if (search.stationIds) {
    filters.push(
      `customers.tenant_keys(tenant_id, station_ids::text[]) && customers.tenant_keys($1, ${param(search.stationIds)}::text[])`,
    );
  }
  if (search.groupIds) {
    filters.push(
      `customers.tenant_keys(tenant_id, group_ids::text[]) && customers.tenant_keys($1, ${param(search.groupIds)}::text[])`,
    );
  }
  if (search.sourceId) filters.push(`source_id = ${param(search.sourceId)}::uuid`);
  if (search.regularOfUserId) {
    filters.push(`regular_of_user_id = ${param(search.regularOfUserId)}::uuid`);
  }
  if (search.leasingCompany != null) {
    filters.push(search.leasingCompany ? 'leasing_company' : 'NOT leasing_company');
  }
  if (search.internal != null) filters.push(search.internal ? 'internal' : 'NOT internal');
  if (search.marketingConsent) filters.push(MARKETING_CONSENT_SQL[search.marketingConsent]);
  if (search.externalId) {
    filters.push(`id IN (SELECT customer_id FROM customers.customer_external_ids
                          WHERE tenant_id = $1 AND system = ${param(search.externalId.system)}
                            AND external_id = ${param(search.externalId.id)})`);
  }
  // Every word in the customer's search text, or in the plates and VINs of their vehicles.
  if (search.patterns.length > 0) filters.push(wordsMatchCondition(search.patterns, param));
  return filters.join(' AND ');
}

/** The two statements of a search (see CustomersRepository.search and runSearch). */
function searchStatements(
  search: CustomerSearchCriteria,
  window: number,
): { recent: SqlStatement; selective: SqlStatement } {
  const values: unknown[] = [search.tenantId];
  const param = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  const match = matchCondition(search, param);
  const after = search.after ? `AND id < ${param(search.after.id)}::uuid` : '';
  const where = `AND ${match}`;
  const limit = param(search.limit);
  const windowSize = param(window);
  return {
    recent: {
      // The outer LIMIT stops the inner scan as soon as a page has matched: a common word
      // reads a few hundred rows, not the whole window.
      text: `SELECT ${COLUMNS}
               FROM (SELECT * FROM customers.customers
                      WHERE tenant_id = $1 ${after}
                      ORDER BY id DESC
                      LIMIT ${windowSize}) recent
              WHERE true ${where}
              ORDER BY id DESC
              LIMIT ${limit}`,
      values,
    },
    selective: {
      text: `SELECT ${COLUMNS} FROM customers.customers
              WHERE tenant_id = $1 ${after} ${where}
              ORDER BY id::text DESC
              LIMIT ${limit}`,
      values: values.slice(0, -1),
    },
  };
}

/** The columns a write sets, in the order of writeParams. */
const WRITE_COLUMNS = [
  'kind',
  'first_name',
  'last_name',
  'company_name',
  'business_id',
  'phone',
  'phone_raw',
  'phone_national',
  'email',
  'addresses',
  'notes',
  'status',
  'customer_number',
  'station_ids',
  'external_ids',
  'description',
  'group_ids',
  'source_id',
  'regular_of_user_id',
  'discount_percent',
  'name_day_month',
  'name_day_day',
  'birthday_enc',
  'birthday_lookup',
  'documents_enc',
  'internal',
  'leasing_company',
  'leasing_company_id',
] as const;

/** Each written column's type, for statements that read the values from a JSON recordset. */
const WRITE_COLUMN_TYPES: Record<(typeof WRITE_COLUMNS)[number], string> = {
  kind: 'text',
  first_name: 'text',
  last_name: 'text',
  company_name: 'text',
  business_id: 'text',
  phone: 'text',
  phone_raw: 'text',
  phone_national: 'text',
  email: 'text',
  addresses: 'jsonb',
  notes: 'text',
  status: 'text',
  customer_number: 'text',
  station_ids: 'uuid[]',
  external_ids: 'jsonb',
  description: 'text',
  group_ids: 'uuid[]',
  source_id: 'uuid',
  regular_of_user_id: 'uuid',
  discount_percent: 'numeric',
  name_day_month: 'smallint',
  name_day_day: 'smallint',
  birthday_enc: 'bytea',
  birthday_lookup: 'bytea',
  documents_enc: 'bytea',
  internal: 'boolean',
  leasing_company: 'boolean',
  leasing_company_id: 'text',
};

function writeParams(
  write: CustomerWrite,
  owner: { tenantId: string; customerId: string },
  sensitive: SensitiveData,
): unknown[] {
  return [
    write.kind,
    write.first_name,
    write.last_name,
    write.company_name,
    write.business_id,
    write.phone,
    write.phone_raw,
    write.phone_national,
    write.email,
    JSON.stringify(write.addresses),
    write.notes,
    write.status,
    write.customer_number,
    write.station_ids,
    JSON.stringify(write.external_ids),
    write.description,
    write.group_ids,
    write.source_id,
    write.regular_of_user_id,
    write.discount_percent,
    write.name_day?.month ?? null,
    write.name_day?.day ?? null,
    write.birthday === null ? null : sensitive.seal(owner, BIRTHDAY, write.birthday),
    write.birthday === null ? null : sensitive.lookup(owner.tenantId, BIRTHDAY, write.birthday),
    write.documents.length === 0
      ? null
      : sensitive.seal(owner, DOCUMENTS, JSON.stringify(write.documents)),
    write.internal,
    write.leasing_company,
    write.leasing_company_id,
  ];
}

export interface CustomerInsert {
  tenantId: string;
  id: string;
  origin: CustomerOrigin;
  write: CustomerWrite;
  /**
   * The command log's part of the statement (CommandLog.statementPart with `$2`, the customer's
   * id, as its result), given the number of its first parameter; null in the benchmark's raw
   * floor.
   */
  command: ((firstParam: number) => { sql: string; params: unknown[] }) | null;
  /** The outbox part of the statement, given the number of its first parameter. */
  events: (firstParam: number) => { sql: string; params: unknown[] };
}

/** A new customer's tenant, id, origin and written columns, in the order of `tenant_id, id, origin, WRITE_COLUMNS`. */
function insertParams(
  insert: Pick<CustomerInsert, 'tenantId' | 'id' | 'origin' | 'write'>,
  sensitive: SensitiveData,
): unknown[] {
  const owner = { tenantId: insert.tenantId, customerId: insert.id };
  return [
    insert.tenantId,
    insert.id,
    insert.origin,
    ...writeParams(insert.write, owner, sensitive),
  ];
}

/**
 * A new customer with its external ids, its command and its events, as one statement:
 * atomic without an explicit transaction and one round trip instead of six (each round trip
 * costs the service a socket write, which dominated create latency). A unique violation in any
 * part undoes all of it. The benchmark runs the same statement raw.
 */
export function insertCustomerStatement(
  insert: CustomerInsert,
  sensitive: SensitiveData,
): SqlStatement {
  const params = insertParams(insert, sensitive);
  const p = (value: unknown): string => `$${params.push(value)}`;
  const externalIds = p(JSON.stringify(insert.write.external_ids));
  const command = insert.command?.(params.length + 1) ?? null;
  if (command) params.push(...command.params);
  const events = insert.events(params.length + 1);
  const placeholders = WRITE_COLUMNS.map((_, i) => `$${i + 4}`).join(', ');
  return {
    text: `WITH inserted AS (
             INSERT INTO customers.customers (tenant_id, id, origin, ${WRITE_COLUMNS.join(', ')})
             VALUES ($1, $2, $3, ${placeholders})
             RETURNING ${COLUMNS}
           ), external_ids AS (
             INSERT INTO customers.customer_external_ids (tenant_id, system, external_id, customer_id)
             SELECT $1, e.system, e.id, $2
               FROM jsonb_to_recordset(${externalIds}::jsonb) AS e(system text, id text)
           )${command ? `, command AS (${command.sql})` : ''}, events AS (
             ${events.sql}
           )
           SELECT * FROM inserted`,
    values: [...params, ...events.params],
  };
}

/**
 * Several new customers with their external ids and their events as one statement, for a batch
 * (partner contacts): one plan and one round trip instead of one per customer. The rows travel
 * as one JSON recordset; a unique violation in any part undoes all of it.
 */
export function insertCustomersStatement(
  inserts: (Omit<CustomerInsert, 'command' | 'events'> & { importId?: string | null })[],
  events: (firstParam: number) => { sql: string; params: unknown[] },
  sensitive: SensitiveData,
): SqlStatement {
  const columns = ['tenant_id', 'id', 'origin', ...WRITE_COLUMNS, 'import_id'];
  const types: Record<string, string> = {
    tenant_id: 'uuid',
    id: 'uuid',
    origin: 'text',
    ...WRITE_COLUMN_TYPES,
    import_id: 'uuid',
  };
  const rows = inserts.map((insert) => {
    const values = [...insertParams(insert, sensitive), insert.importId ?? null];
    return Object.fromEntries(
      columns.map((column, i) => [column, recordsetValue(types[column], values[i])]),
    );
  });
  const part = events(2);
  return {
    text: `WITH inserted AS (
             INSERT INTO customers.customers (${columns.join(', ')})
             SELECT ${columns.join(', ')}
               FROM jsonb_to_recordset($1::jsonb)
                 AS r(${columns.map((c) => `${c} ${types[c]}`).join(', ')})
             RETURNING tenant_id, id, external_ids
           ), external_ids AS (
             INSERT INTO customers.customer_external_ids (tenant_id, system, external_id, customer_id)
             SELECT i.tenant_id, e.system, e.id, i.id
               FROM inserted i, jsonb_to_recordset(i.external_ids) AS e(system text, id text)
           ), events AS (
             ${part.sql}
           )
           SELECT count(*) AS n FROM inserted`,
    values: [JSON.stringify(rows), ...part.params],
  };
}

/**
 * New versions of several cards as one statement (an import's updates and merges): each row's
 * whole write from a JSON recordset, a new version each, answered with what the update events
 * tell. The caller has locked the rows.
 */
export function updateCustomersStatement(
  tenantId: string,
  updates: { id: string; write: CustomerWrite }[],
  sensitive: SensitiveData,
): SqlStatement {
  const columns = ['id', ...WRITE_COLUMNS];
  const types: Record<string, string> = { id: 'uuid', ...WRITE_COLUMN_TYPES };
  const rows = updates.map(({ id, write }) => {
    const values = [id, ...writeParams(write, { tenantId, customerId: id }, sensitive)];
    return Object.fromEntries(
      columns.map((column, i) => [column, recordsetValue(types[column], values[i])]),
    );
  });
  return {
    text: `UPDATE customers.customers c
              SET ${WRITE_COLUMNS.map((column) => `${column} = r.${column}`).join(', ')},
                  version = c.version + 1, updated_at = now()
             FROM jsonb_to_recordset($2::jsonb)
               AS r(${columns.map((c) => `${c} ${types[c]}`).join(', ')})
            WHERE c.tenant_id = $1 AND c.id = r.id
        RETURNING c.id, c.customer_number, c.status, c.station_ids, c.version, c.email, c.phone`,
    values: [tenantId, JSON.stringify(rows)],
  };
}

/** A statement parameter as a JSON recordset field of the column's type reads it. */
function recordsetValue(type: string, value: unknown): unknown {
  // bytea reads its hex form; jsonb columns were handed over as JSON text.
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  if (type === 'jsonb' && typeof value === 'string') return JSON.parse(value) as unknown;
  return value;
}

/**
 * Customer numbers from the tenants' sequences, one per entry in order, on the caller's own
 * connection (a batch's: partner contacts, an import's commit): taking a second connection from the pool while holding one would starve the pool
 * when every handler does it. nextval is not rolled back with the transaction, as in a create
 * (numbers may have gaps). Drawn for the whole batch in one statement; a number someone took
 * by hand meanwhile is replaced through allocate_customer_number, which skips such numbers.
 */
export async function allocateCustomerNumbers(
  manager: Pick<EntityManager, 'query'>,
  tenantIds: string[],
): Promise<string[]> {
  const wanted = new Map<string, number>();
  for (const tenantId of tenantIds) wanted.set(tenantId, (wanted.get(tenantId) ?? 0) + 1);
  const drawn = await manager.query<{ tenant_id: string; n: string; taken: boolean }[]>(
    `WITH wanted AS (
       SELECT w.tenant_id, customers.customer_number_sequence(w.tenant_id) AS seq, w.count
         FROM unnest($1::uuid[], $2::int[]) AS w(tenant_id, count)
     ), drawn AS (
       SELECT w.tenant_id, nextval(w.seq)::text AS n FROM wanted w, generate_series(1, w.count)
     )
     SELECT d.tenant_id, d.n, EXISTS (
              SELECT 1 FROM customers.customers c
               WHERE c.tenant_id = d.tenant_id AND c.customer_number = d.n) AS taken
       FROM drawn d`,
    [[...wanted.keys()], [...wanted.values()]],
  );
  const free = new Map<string, string[]>();
  for (const { tenant_id, n, taken } of drawn) {
    if (taken) continue;
    const numbers = free.get(tenant_id) ?? [];
    numbers.push(n);
    free.set(tenant_id, numbers);
  }
  const numbers: string[] = [];
  for (const tenantId of tenantIds) {
    const n = free.get(tenantId)?.shift();
    numbers.push(
      n ??
        (
          await manager.query<{ n: string }[]>(
            'SELECT customers.allocate_customer_number($1) AS n',
            [tenantId],
          )
        )[0].n,
    );
  }
  return numbers;
}
