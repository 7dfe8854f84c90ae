import { Injectable } from '@nestjs/common';
import { queryPrepared } from '@kanta/database';
import { DataSource, type EntityManager } from 'typeorm';
import type { DuplicateReason, DuplicateScanStatus, ExternalIdDto } from '@kanta/contracts';
import type { CustomerRow } from '../customers/customer-row';
import { MERGED_INTO } from '../customers/customers.repository';

/**
 * The least trigram similarity (pg_trgm) of two folded names for the name reasons. 0.6 keeps
 * "anna korhonen" / "anne korhonen" (0.75) and drops "matti virtanen" / "maija virtanen" (0.58).
 */
export const NAME_SIMILARITY = 0.6;
/** A key shared by more customers than this (a switchboard number) makes no pairs in a scan. */
export const SCAN_MAX_GROUP = 50;

/** The business keys of one customer, as they are (or will be) stored. */
export interface DuplicateKeys {
  kind: 'person' | 'company';
  firstName: string | null;
  lastName: string | null;
  companyName: string | null;
  /** E.164. */
  phone: string | null;
  /** Lower-cased. */
  email: string | null;
  externalIds: ExternalIdDto[];
  /** Only an explicit number: a generated one is new by construction. */
  customerNumber: string | null;
  /** The addresses' JSON; postal codes are normalised in SQL like the generated column. */
  addresses: unknown[];
  /** The keyed hash of the birthday (SensitiveData.lookup). */
  birthdayLookup: Buffer | null;
}

export interface FoundCandidate {
  customerId: string;
  customerNumber: string;
  displayName: string | null;
  stationIds: string[];
  reasons: DuplicateReason[];
  score: number;
}

export interface StoredPair {
  id: string;
  customerA: string;
  customerB: string;
  aNumber: string;
  aName: string | null;
  aStations: string[];
  bNumber: string;
  bName: string | null;
  bStations: string[];
  reasons: DuplicateReason[];
  /** As Postgres prints the real: exact, so it can go back into a cursor. */
  score: string;
  foundAt: Date;
}

export interface PairCursor {
  score: string;
  customerA: string;
  customerB: string;
}

export interface ScanRow {
  status: DuplicateScanStatus;
  progress: number;
  requested_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  pairs_found: number | null;
}

type Runner = Pick<EntityManager, 'query'>;

const DISPLAY_NAME = (alias: string): string =>
  `nullif(CASE WHEN ${alias}.kind = 'company' THEN coalesce(${alias}.company_name, '')
          ELSE btrim(coalesce(${alias}.first_name, '') || ' ' || coalesce(${alias}.last_name, ''))
          END, '')`;

/**
 * One round trip: every key lookup (each through its own index) as a branch of a UNION ALL,
 * grouped per customer with its reasons and score. The probe's folded name and postal codes are
 * computed by the same SQL functions as the generated columns they are compared with.
 *
 * It runs as a prepared statement with a generic plan, so a branch whose key is missing is shut
 * by a condition on the parameters alone (a one-time filter, evaluated before any scan), never by
 * a join with the probe that the planner might order after a scan of the whole tenant.
 *
 * An erased customer is never a candidate: its shell keeps the customer number only, and a new
 * customer typed with that number is told it is taken (409 customer-number-taken), not shown it.
 * Nor is a merged one: it lives on as its survivor, which is a candidate of its own.
 */
export function candidatesStatement(
  tenantId: string,
  keys: DuplicateKeys,
  options: { excludeId: string | null; limit: number },
): { text: string; values: unknown[] } {
  return {
    text: `
      WITH probe AS (
        SELECT customers.search_fold(CASE WHEN $2 = 'company' THEN coalesce($5, '')
                 ELSE btrim(coalesce($3, '') || ' ' || coalesce($4, '')) END) AS name,
               customers.address_postal_codes($10::jsonb) AS postal_codes
      ), hits AS (
        SELECT id, 'phone' AS reason, 1::real AS sim FROM customers.customers
         WHERE $6::text IS NOT NULL AND tenant_id = $1 AND phone = $6
        UNION ALL
        SELECT id, 'email', 1 FROM customers.customers
         WHERE $7::text IS NOT NULL AND tenant_id = $1 AND email = $7
        UNION ALL
        SELECT x.customer_id, 'externalId', 1 FROM customers.customer_external_ids x
          JOIN jsonb_to_recordset($8::jsonb) AS e(system text, id text)
            ON x.system = e.system AND x.external_id = e.id
         WHERE jsonb_array_length($8::jsonb) > 0 AND x.tenant_id = $1
        UNION ALL
        SELECT id, 'customerNumber', 1 FROM customers.customers
         WHERE $9::text IS NOT NULL AND tenant_id = $1 AND customer_number = $9
        UNION ALL
        SELECT c.id, 'nameAndBirthday', public.similarity(c.name_fold, p.name)
          FROM customers.customers c, probe p
         WHERE $11::bytea IS NOT NULL
           AND c.tenant_id = $1 AND c.birthday_lookup = $11 AND p.name <> ''
           AND public.similarity(c.name_fold, p.name) >= $12
        UNION ALL
        SELECT c.id, 'nameAndPostalCode', public.similarity(c.name_fold, p.name)
          FROM customers.customers c, probe p
         WHERE cardinality(customers.address_postal_codes($10::jsonb)) > 0
           AND c.tenant_id = $1
           AND customers.tenant_keys(c.tenant_id, c.postal_codes)
               && customers.tenant_keys($1, p.postal_codes)
           AND cardinality(p.postal_codes) > 0 AND p.name <> ''
           AND public.similarity(c.name_fold, p.name) >= $12
      ), per_reason AS (
        SELECT id, reason, max(sim) AS sim FROM hits
         WHERE id IS DISTINCT FROM $13::uuid
         GROUP BY id, reason
      ), scored AS (
        SELECT id, array_agg(reason ORDER BY reason) AS reasons,
               round(least(1, sum(customers.duplicate_reason_weight(reason, sim)))::numeric, 2)::real
                 AS score
          FROM per_reason GROUP BY id
      )
      SELECT s.id AS "customerId", c.customer_number AS "customerNumber",
             ${DISPLAY_NAME('c')} AS "displayName", c.station_ids AS "stationIds",
             s.reasons, s.score::numeric::float8 AS score
        FROM scored s
        JOIN customers.customers c
          ON c.tenant_id = $1 AND c.id = s.id AND c.status IN ('active', 'passive')
       ORDER BY s.score DESC, s.id
       LIMIT $14`,
    values: [
      tenantId,
      keys.kind,
      keys.firstName,
      keys.lastName,
      keys.companyName,
      keys.phone,
      keys.email,
      JSON.stringify(keys.externalIds),
      keys.customerNumber,
      JSON.stringify(keys.addresses),
      keys.birthdayLookup,
      NAME_SIMILARITY,
      options.excludeId,
      options.limit,
    ],
  };
}

/** The best candidate of one probe of a batch (`batchCandidatesStatement`). */
export interface BatchCandidate extends FoundCandidate {
  /** The probe's index in the batch. */
  probe: number;
}

/**
 * The matcher of `candidatesStatement` for many customers in one round trip (an import's batch
 * of a few thousand rows): the same keys, the same reasons with the same SQL functions
 * (`search_fold`, `address_postal_codes`, `tenant_keys`, `duplicate_reason_weight`), the same
 * NAME_SIMILARITY and the same candidates (active or passive), each probe's branches joined
 * with its own keys; answers each probe's best candidate (highest score, then lowest id), the
 * one `candidatesStatement` would list first. A test holds the two to the same answers.
 *
 * The name-and-postal-code branch is set-based: one GIN lookup (customers_postal_keys_idx) of
 * all the batch's tenant keys finds the customers sharing any of them (`near`), unnested per key
 * and hash-joined with the probes' keys: the same pairs as one lookup per probe (a customer
 * and a probe share a key exactly when their key arrays overlap; a pair sharing two codes
 * appears twice and `per_reason` keeps one), at one index scan per batch instead of per row.
 */
export function batchCandidatesStatement(
  tenantId: string,
  probes: readonly DuplicateKeys[],
): { text: string; values: unknown[] } {
  const rows = probes.map((keys, i) => ({
    i,
    kind: keys.kind,
    first_name: keys.firstName,
    last_name: keys.lastName,
    company_name: keys.companyName,
    phone: keys.phone,
    email: keys.email,
    external_ids: keys.externalIds,
    customer_number: keys.customerNumber,
    addresses: keys.addresses,
    birthday_lookup: keys.birthdayLookup?.toString('hex') ?? null,
  }));
  return {
    text: `
      WITH probe AS MATERIALIZED (
        SELECT r.i, r.phone, r.email, r.external_ids, r.customer_number,
               decode(r.birthday_lookup, 'hex') AS birthday_lookup,
               customers.search_fold(CASE WHEN r.kind = 'company' THEN coalesce(r.company_name, '')
                 ELSE btrim(coalesce(r.first_name, '') || ' ' || coalesce(r.last_name, '')) END)
                 AS name,
               customers.address_postal_codes(r.addresses) AS postal_codes
          FROM jsonb_to_recordset($2::jsonb) AS r(i int, kind text, first_name text,
               last_name text, company_name text, phone text, email text, external_ids jsonb,
               customer_number text, addresses jsonb, birthday_lookup text)
      ), probe_keys AS MATERIALIZED (
        SELECT p.i, p.name, unnest(customers.tenant_keys($1, p.postal_codes)) AS key
          FROM probe p
         WHERE cardinality(p.postal_codes) > 0 AND p.name <> ''
      ), near AS MATERIALIZED (
        SELECT c.id, c.name_fold, unnest(customers.tenant_keys(c.tenant_id, c.postal_codes)) AS key
          FROM customers.customers c
         WHERE c.tenant_id = $1
           AND customers.tenant_keys(c.tenant_id, c.postal_codes)
               && (SELECT array_agg(DISTINCT key) FROM probe_keys)
      ), hits AS (
        SELECT p.i, c.id, 'phone' AS reason, 1::real AS sim
          FROM probe p JOIN customers.customers c ON c.tenant_id = $1 AND c.phone = p.phone
         WHERE p.phone IS NOT NULL
        UNION ALL
        SELECT p.i, c.id, 'email', 1
          FROM probe p JOIN customers.customers c ON c.tenant_id = $1 AND c.email = p.email
         WHERE p.email IS NOT NULL
        UNION ALL
        SELECT p.i, x.customer_id, 'externalId', 1
          FROM probe p
          CROSS JOIN LATERAL jsonb_to_recordset(p.external_ids) AS e(system text, id text)
          JOIN customers.customer_external_ids x
            ON x.tenant_id = $1 AND x.system = e.system AND x.external_id = e.id
        UNION ALL
        SELECT p.i, c.id, 'customerNumber', 1
          FROM probe p
          JOIN customers.customers c ON c.tenant_id = $1 AND c.customer_number = p.customer_number
         WHERE p.customer_number IS NOT NULL
        UNION ALL
        SELECT p.i, c.id, 'nameAndBirthday', public.similarity(c.name_fold, p.name)
          FROM probe p
          JOIN customers.customers c
            ON c.tenant_id = $1 AND c.birthday_lookup = p.birthday_lookup
         WHERE p.birthday_lookup IS NOT NULL AND p.name <> ''
           AND public.similarity(c.name_fold, p.name) >= $3
        UNION ALL
        SELECT k.i, n.id, 'nameAndPostalCode', public.similarity(n.name_fold, k.name)
          FROM probe_keys k JOIN near n ON n.key = k.key
         WHERE public.similarity(n.name_fold, k.name) >= $3
      ), per_reason AS (
        SELECT i, id, reason, max(sim) AS sim FROM hits GROUP BY i, id, reason
      ), scored AS (
        SELECT i, id, array_agg(reason ORDER BY reason) AS reasons,
               round(least(1, sum(customers.duplicate_reason_weight(reason, sim)))::numeric, 2)::real
                 AS score
          FROM per_reason GROUP BY i, id
      )
      SELECT DISTINCT ON (s.i) s.i AS probe, s.id AS "customerId",
             c.customer_number AS "customerNumber", ${DISPLAY_NAME('c')} AS "displayName",
             c.station_ids AS "stationIds", s.reasons, s.score::numeric::float8 AS score
        FROM scored s
        JOIN customers.customers c
          ON c.tenant_id = $1 AND c.id = s.id AND c.status IN ('active', 'passive')
       ORDER BY s.i, s.score DESC, s.id`,
    values: [tenantId, JSON.stringify(rows), NAME_SIMILARITY],
  };
}

/*
 * The full scan, statement by statement, inside one transaction. Exact keys are grouped
 * (GROUP BY over the tenant); close names are compared only inside small blocks: the same
 * birthday, or the same postal code and the same first three letters of the folded name.
 * A customer number is unique per tenant, so the scan never finds two sharing one.
 */
const SCAN_HITS = `CREATE TEMP TABLE duplicate_scan_hits
  (a uuid NOT NULL, b uuid NOT NULL, reason text NOT NULL, sim real NOT NULL) ON COMMIT DROP`;

const exactKeyPairs = (reason: DuplicateReason, key: string, from: string): string => `
  INSERT INTO duplicate_scan_hits (a, b, reason, sim)
  SELECT x, y, '${reason}', 1
    FROM (SELECT array_agg(id) AS ids FROM ${from}
           WHERE tenant_id = $1 AND ${key} IS NOT NULL AND status <> 'merged'
           GROUP BY ${key} HAVING count(*) BETWEEN 2 AND $2) g,
         unnest(g.ids) x, unnest(g.ids) y
   WHERE x < y`;

export const SCAN_STEPS: { label: string; sql: string }[] = [
  { label: 'phone', sql: exactKeyPairs('phone', 'phone', 'customers.customers') },
  { label: 'email', sql: exactKeyPairs('email', 'email', 'customers.customers') },
  {
    // The jsonb copy, so ids loaded in bulk without customer_external_ids are compared too.
    label: 'externalId',
    sql: exactKeyPairs(
      'externalId',
      `(e ->> 'system') || ':' || (e ->> 'id')`,
      'customers.customers, jsonb_array_elements(external_ids) e',
    ),
  },
  {
    label: 'nameAndBirthday',
    sql: `
      INSERT INTO duplicate_scan_hits (a, b, reason, sim)
      SELECT x.id, y.id, 'nameAndBirthday', public.similarity(x.name_fold, y.name_fold)
        FROM customers.customers x
        JOIN customers.customers y
          ON y.tenant_id = x.tenant_id AND y.birthday_lookup = x.birthday_lookup AND x.id < y.id
       WHERE x.tenant_id = $1 AND x.birthday_lookup IS NOT NULL
         AND x.name_fold <> '' AND y.name_fold <> ''
         AND x.status <> 'merged' AND y.status <> 'merged'
         AND x.birthday_lookup IN (SELECT birthday_lookup FROM customers.customers
                                    WHERE tenant_id = $1 AND birthday_lookup IS NOT NULL
                                      AND status <> 'merged'
                                    GROUP BY birthday_lookup HAVING count(*) BETWEEN 2 AND $2)
         AND public.similarity(x.name_fold, y.name_fold) >= $3`,
  },
  {
    label: 'nameAndPostalCode',
    sql: `
      INSERT INTO duplicate_scan_hits (a, b, reason, sim)
      WITH keyed AS (
        SELECT id, name_fold, code, left(name_fold, 3) AS prefix,
               count(*) OVER (PARTITION BY code, left(name_fold, 3)) AS block
          FROM customers.customers, unnest(postal_codes) code
         WHERE tenant_id = $1 AND name_fold <> '' AND cardinality(postal_codes) > 0
           AND status <> 'merged'
      )
      SELECT DISTINCT x.id, y.id, 'nameAndPostalCode', public.similarity(x.name_fold, y.name_fold)
        FROM keyed x
        JOIN keyed y ON y.code = x.code AND y.prefix = x.prefix AND x.id < y.id
       WHERE x.block BETWEEN 2 AND $2 * 20
         AND public.similarity(x.name_fold, y.name_fold) >= $3`,
  },
];

@Injectable()
export class DuplicatesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Statements outside a transaction. */
  runner(): Runner {
    return this.dataSource.manager;
  }

  async findCandidates(
    tenantId: string,
    keys: DuplicateKeys,
    options: { excludeId: string | null; limit: number; runner?: EntityManager },
  ): Promise<FoundCandidate[]> {
    const { text, values } = candidatesStatement(tenantId, keys, options);
    return queryPrepared<FoundCandidate>(options.runner ?? this.dataSource.manager, text, values);
  }

  /** Each probe's best candidate, one round trip for the batch (`batchCandidatesStatement`). */
  async findBestCandidates(
    tenantId: string,
    probes: readonly DuplicateKeys[],
    runner: Runner = this.dataSource.manager,
  ): Promise<BatchCandidate[]> {
    if (probes.length === 0) return [];
    const { text, values } = batchCandidatesStatement(tenantId, probes);
    return runner.query(text, values);
  }

  /**
   * Makes the stored pairs of one customer the ones just found: new pairs are added, changed
   * ones updated, pairs it no longer matches removed. Dismissed pairs stay dismissed.
   */
  async replacePairsOf(
    runner: Runner,
    tenantId: string,
    customerId: string,
    found: Pick<FoundCandidate, 'customerId' | 'reasons' | 'score'>[],
  ): Promise<void> {
    await runner.query(
      `WITH found AS (
         SELECT * FROM jsonb_to_recordset($3::jsonb) AS f(id uuid, reasons text[], score real)
       ), gone AS (
         DELETE FROM customers.duplicate_pairs d
          WHERE d.tenant_id = $1 AND (d.customer_a = $2 OR d.customer_b = $2)
            AND d.dismissed_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM found f WHERE f.id IN (d.customer_a, d.customer_b))
       )
       INSERT INTO customers.duplicate_pairs (tenant_id, customer_a, customer_b, reasons, score)
       SELECT $1, least($2::uuid, f.id), greatest($2::uuid, f.id), f.reasons, f.score
         FROM found f
       ON CONFLICT (tenant_id, customer_a, customer_b) DO UPDATE
         SET reasons = excluded.reasons, score = excluded.score, found_at = now()`,
      [
        tenantId,
        customerId,
        JSON.stringify(
          found.map((f) => ({ id: f.customerId, reasons: f.reasons, score: f.score })),
        ),
      ],
    );
  }

  /**
   * A page of suggested pairs, best first. `stationIds` limits it to pairs whose both customers
   * belong to one of them (a worker's view).
   */
  async listPairs(query: {
    tenantId: string;
    minScore: number;
    stationIds: string[] | null;
    /** Reasons the caller may not be told: left out, and the score taken without them. */
    hiddenReasons: DuplicateReason[];
    after: PairCursor | null;
    limit: number;
  }): Promise<StoredPair[]> {
    const values: unknown[] = [query.tenantId, query.minScore, query.limit];
    let stations = '';
    let after = '';
    if (query.after) {
      values.push(query.after.score, query.after.customerA, query.after.customerB);
      after = ' AND (p.score, p.customer_a, p.customer_b) < ($4::real, $5::uuid, $6::uuid)';
    }
    if (query.stationIds) {
      values.push(query.stationIds);
      const p = `$${values.length}::uuid[]`;
      stations = ` AND a.station_ids && ${p} AND b.station_ids && ${p}`;
    }
    // Reasons or a score computed without the hidden reasons, computed the way the stored ones
    // are (the names' similarity now is what it was when the pair was found: a name change
    // recomputes the pair), and pairs left with no reason are not shown at all. Ordered and
    // paged by that score, so neither the order nor minScore tells what was left out.
    let pair = 'd.reasons, d.score';
    if (query.hiddenReasons.length > 0) {
      values.push(query.hiddenReasons);
      pair = `r.reasons, r.score`;
      stations += ` AND r.reasons IS NOT NULL`;
    }
    const shown =
      query.hiddenReasons.length > 0
        ? `CROSS JOIN LATERAL (
             SELECT array_agg(x ORDER BY x) AS reasons,
                    round(least(1, sum(customers.duplicate_reason_weight(x,
                      public.similarity(a.name_fold, b.name_fold))))::numeric, 2)::real AS score
               FROM unnest(d.reasons) AS x WHERE x <> ALL($${values.length}::text[])) r`
        : '';
    return this.dataSource.query<StoredPair[]>(
      `SELECT p.id, p."customerA", p."customerB", p."aNumber", p."aName", p."aStations", p."bNumber",
              p."bName", p."bStations", p.reasons, p.score::text AS score, p."foundAt"
         FROM (
           SELECT d.id, d.customer_a AS "customerA", d.customer_b AS "customerB",
                  d.customer_a, d.customer_b,
                  a.customer_number AS "aNumber", ${DISPLAY_NAME('a')} AS "aName",
                  a.station_ids AS "aStations",
                  b.customer_number AS "bNumber", ${DISPLAY_NAME('b')} AS "bName",
                  b.station_ids AS "bStations",
                  ${pair}, d.found_at AS "foundAt"
             FROM customers.duplicate_pairs d
             JOIN customers.customers a ON a.tenant_id = d.tenant_id AND a.id = d.customer_a
             JOIN customers.customers b ON b.tenant_id = d.tenant_id AND b.id = d.customer_b
             ${shown}
            WHERE d.tenant_id = $1 AND d.dismissed_at IS NULL
              AND a.status IN ('active', 'passive') AND b.status IN ('active', 'passive') ${stations}
         ) p
        WHERE p.score >= $2::real ${after}
        ORDER BY p.score DESC, p.customer_a DESC, p.customer_b DESC
        LIMIT $3`,
      values,
    );
  }

  /**
   * The statuses of those of these ids that are customers of the tenant, key-share locked until
   * the transaction ends, so an erasure in progress is waited for (and then seen).
   */
  async lockedStatuses(
    manager: EntityManager,
    tenantId: string,
    ids: string[],
  ): Promise<({ id: string } & Pick<CustomerRow, 'status' | 'merged_into'>)[]> {
    return manager.query<({ id: string } & Pick<CustomerRow, 'status' | 'merged_into'>)[]>(
      `SELECT id, status, ${MERGED_INTO} FROM customers.customers
        WHERE tenant_id = $1 AND id = ANY($2::uuid[])
        ORDER BY id FOR KEY SHARE`,
      [tenantId, ids],
    );
  }

  /**
   * A suggested pair (not dismissed) of the tenant, its customers in the order a merge takes
   * them: the one created first survives, the later one is merged into it. A pair a merge (not
   * undone) resolved names the merge's two customers still: the same request again reaches the
   * privacy service, which answers it as it did (the same Idempotency-Key) or refuses it (409
   * customer-merged). Null for no such pair.
   */
  async pairToMerge(
    tenantId: string,
    pairId: string,
  ): Promise<{ survivor: string; duplicate: string } | null> {
    const rows = await this.dataSource.query<{ survivor: string; duplicate: string }[]>(
      `SELECT s.id AS survivor, l.id AS duplicate
         FROM customers.duplicate_pairs d
         CROSS JOIN LATERAL (
           SELECT c.id, c.created_at FROM customers.customers c
            WHERE c.tenant_id = d.tenant_id AND c.id IN (d.customer_a, d.customer_b)
            ORDER BY c.created_at, c.id LIMIT 1) s
         JOIN customers.customers l ON l.tenant_id = d.tenant_id
          AND l.id IN (d.customer_a, d.customer_b) AND l.id <> s.id
        WHERE d.tenant_id = $1 AND d.id = $2 AND d.dismissed_at IS NULL
       UNION ALL
       SELECT survivor_id, duplicate_id FROM customers.customer_merges
        WHERE tenant_id = $1 AND pair_id = $2 AND undone_at IS NULL`,
      [tenantId, pairId],
    );
    return rows[0] ?? null;
  }

  /** Marks the pair as not duplicates, creating the row when no path had suggested it yet. */
  async dismiss(
    manager: EntityManager,
    tenantId: string,
    a: string,
    b: string,
    userId: string,
  ): Promise<Date> {
    const rows = await manager.query<{ dismissed_at: Date }[]>(
      `INSERT INTO customers.duplicate_pairs
         (tenant_id, customer_a, customer_b, reasons, score, dismissed_at, dismissed_by)
       VALUES ($1, least($2::uuid, $3::uuid), greatest($2::uuid, $3::uuid), '{}', 0, now(), $4)
       ON CONFLICT (tenant_id, customer_a, customer_b) DO UPDATE
         SET dismissed_at = coalesce(customers.duplicate_pairs.dismissed_at, now()),
             dismissed_by = coalesce(customers.duplicate_pairs.dismissed_by, $4)
       RETURNING dismissed_at`,
      [tenantId, a, b, userId],
    );
    return rows[0].dismissed_at;
  }

  /**
   * Marks the tenant's scan as queued, unless one is already queued or running. Returns the row
   * and whether it was newly queued.
   */
  async queueScan(
    manager: EntityManager,
    tenantId: string,
    userId: string,
  ): Promise<{ scan: ScanRow; queued: boolean }> {
    const rows = await manager.query<(ScanRow & { queued: boolean })[]>(
      `INSERT INTO customers.duplicate_scans (tenant_id, status, requested_by)
       VALUES ($1, 'queued', $2)
       ON CONFLICT (tenant_id) DO UPDATE
         SET status = 'queued', progress = 0, requested_at = now(), requested_by = $2,
             started_at = NULL, finished_at = NULL, pairs_found = NULL
         WHERE customers.duplicate_scans.status NOT IN ('queued', 'running')
       RETURNING ${SCAN_COLUMNS}, true AS queued`,
      [tenantId, userId],
    );
    if (rows[0]) return { scan: rows[0], queued: true };
    const current = await this.findScan(tenantId, manager);
    return { scan: current!, queued: false };
  }

  async findScan(
    tenantId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<ScanRow | null> {
    const rows = await manager.query<ScanRow[]>(
      `SELECT ${SCAN_COLUMNS} FROM customers.duplicate_scans WHERE tenant_id = $1`,
      [tenantId],
    );
    return rows[0] ?? null;
  }

  /** Scans that were asked for and not finished: their jobs may be lost with Redis. */
  async unfinishedScans(): Promise<string[]> {
    const rows = await this.dataSource.query<{ tenant_id: string }[]>(
      `SELECT tenant_id FROM customers.duplicate_scans WHERE status IN ('queued', 'running')`,
    );
    return rows.map((r) => r.tenant_id);
  }

  /** The scan starts: its row says so (made here when the job came without one). */
  async startScan(tenantId: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO customers.duplicate_scans (tenant_id, status, started_at)
       VALUES ($1, 'running', now())
       ON CONFLICT (tenant_id) DO UPDATE
         SET status = 'running', progress = 0, started_at = now(), finished_at = NULL`,
      [tenantId],
    );
  }

  async markScan(
    tenantId: string,
    change: { status?: DuplicateScanStatus; progress: number; pairsFound?: number },
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE customers.duplicate_scans
          SET status = coalesce($2, status), progress = $3,
              pairs_found = coalesce($4, pairs_found),
              started_at = CASE WHEN $2 = 'running' THEN now() ELSE started_at END,
              finished_at = CASE WHEN $2 IN ('completed', 'failed') THEN now() ELSE finished_at END
        WHERE tenant_id = $1`,
      [tenantId, change.status ?? null, change.progress, change.pairsFound ?? null],
    );
  }

  /**
   * The full scan of one tenant in one transaction: every blocking step into a temporary table,
   * then the pairs merged into duplicate_pairs and the tenant's pairs that were not found again
   * removed (dismissed ones stay). `onStep` reports progress between steps.
   */
  async scanTenant(
    tenantId: string,
    onStep: (done: number, total: number) => Promise<void>,
  ): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      // Sorting and hashing a tenant's keys wants more than the default 4 MB.
      await manager.query(`SET LOCAL work_mem = '128MB'`);
      await manager.query(`SET LOCAL statement_timeout = 0`);
      await manager.query(SCAN_HITS);
      const total = SCAN_STEPS.length + 1;
      for (const [i, step] of SCAN_STEPS.entries()) {
        const params: unknown[] = [tenantId, SCAN_MAX_GROUP];
        if (step.sql.includes('$3')) params.push(NAME_SIMILARITY);
        await manager.query(step.sql, params);
        await onStep(i + 1, total);
      }
      const merged = await manager.query<{ n: number }[]>(
        `WITH per_reason AS (
           SELECT a, b, reason, max(sim) AS sim FROM duplicate_scan_hits GROUP BY a, b, reason
         ), pairs AS (
           SELECT a, b, array_agg(reason ORDER BY reason) AS reasons,
                  round(least(1, sum(customers.duplicate_reason_weight(reason, sim)))::numeric, 2)::real
                    AS score
             FROM per_reason GROUP BY a, b
         ), upserted AS (
           INSERT INTO customers.duplicate_pairs (tenant_id, customer_a, customer_b, reasons, score)
           SELECT $1, a, b, reasons, score FROM pairs
           ON CONFLICT (tenant_id, customer_a, customer_b) DO UPDATE
             SET reasons = excluded.reasons, score = excluded.score, found_at = now()
           RETURNING dismissed_at
         )
         SELECT count(*)::int AS n FROM upserted WHERE dismissed_at IS NULL`,
        [tenantId],
      );
      await manager.query(
        `DELETE FROM customers.duplicate_pairs
          WHERE tenant_id = $1 AND dismissed_at IS NULL AND found_at < now()`,
        [tenantId],
      );
      return merged[0]?.n ?? 0;
    });
  }
}

const SCAN_COLUMNS = 'status, progress, requested_at, started_at, finished_at, pairs_found';
