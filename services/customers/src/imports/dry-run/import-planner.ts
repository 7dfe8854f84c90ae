import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  DUPLICATE_REASONS,
  type DuplicateReason,
  type FieldError,
  type ImportOutcome,
} from '@kanta/contracts';
import { DuplicatesService } from '../../duplicates/duplicates.service';
import type { DuplicateKeys } from '../../duplicates/duplicates.repository';
import {
  checkRow,
  type CheckedRow,
  type ImportSourceRow,
  type PlannedCustomer,
  type RowCheckContext,
} from './row-check';

/** One planned row, as customers.import_rows keeps it. */
export interface PlannedRow {
  rowNumber: number;
  outcome: ImportOutcome;
  customerId: string | null;
  duplicateReason: DuplicateReason | null;
  firstRow: number | null;
  errors: FieldError[] | null;
  planned: PlannedCustomer | null;
  /** The cells as uploaded: error rows only, for errors.xlsx. */
  raw: string[] | null;
}

/**
 * What the dry run remembers of the rows before: the first row of each e-mail, phone and customer
 * number. Keys are 53-bit hashes, not the values: a million rows' three keys as strings would
 * take more memory than the whole dry run is allowed; two different keys share a hash with a
 * chance of about 10⁻⁴ in a file of a million rows.
 *
 * An open-addressing hash set in typed arrays (hash + 1 in a Float64Array, 0 = empty; the first
 * row in an Int32Array beside it), at most 3/4 full: 12 bytes a slot, 16–32 bytes a key, against
 * some 50 for a Map of numbers (whose keys above 2³¹ are heap numbers of their own) — 2–3
 * million keys at a million rows.
 */
export class SeenKeys {
  private keys = new Float64Array(1 << 16);
  private rows = new Int32Array(1 << 16);
  private size = 0;

  /** The first row with this key, or none (and this row becomes it). */
  firstOf(key: string, rowNumber: number): number | undefined {
    const stored = hash53(key) + 1;
    const mask = this.keys.length - 1;
    // The hash's low 32 bits pick the slot (ToUint32 is exact modulo 2³² below 2⁵³).
    for (let slot = (stored >>> 0) & mask; ; slot = (slot + 1) & mask) {
      const here = this.keys[slot];
      if (here === stored) return this.rows[slot];
      if (here === 0) {
        this.keys[slot] = stored;
        this.rows[slot] = rowNumber;
        if (++this.size * 4 > this.keys.length * 3) this.grow();
        return undefined;
      }
    }
  }

  private grow(): void {
    const { keys, rows } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.rows = new Int32Array(keys.length * 2);
    const mask = this.keys.length - 1;
    for (let i = 0; i < keys.length; i++) {
      const stored = keys[i];
      if (stored === 0) continue;
      let slot = (stored >>> 0) & mask;
      while (this.keys[slot] !== 0) slot = (slot + 1) & mask;
      this.keys[slot] = stored;
      this.rows[slot] = rows[i];
    }
  }
}

/** cyrb53: a fast, well-mixed 53-bit string hash. */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The reason named for a duplicate: the strongest of its reasons, in DUPLICATE_REASONS' order. */
function strongest(reasons: DuplicateReason[]): DuplicateReason {
  return DUPLICATE_REASONS.find((reason) => reasons.includes(reason)) ?? reasons[0];
}

interface ExistingMatch {
  n: number;
  id: string;
  status: string;
  survivor: string | null;
  key: 'customerNumber' | 'externalId';
}

/**
 * Plans a batch of rows (docs/import.md, "The dry run"): each checked by the API's rules
 * (row-check.ts), then, in this order, an error; a repeat of an earlier row's e-mail, phone or
 * customer number (duplicate_in_file); an update of the customer its customer number or external
 * id names; a duplicate of the best candidate of the API's duplicate matcher; else a create.
 * Two queries per batch, whatever its size: the customers named, and the matcher's candidates.
 */
@Injectable()
export class ImportPlanner {
  constructor(
    private readonly dataSource: DataSource,
    private readonly duplicates: DuplicatesService,
  ) {}

  async planBatch(
    tenantId: string,
    rows: readonly ImportSourceRow[],
    context: RowCheckContext,
    seen: SeenKeys,
    previousImportId: string | null = null,
  ): Promise<PlannedRow[]> {
    const checked: CheckedRow[] = [];
    for (const row of rows) checked.push(await checkRow(row, context));

    const plans: PlannedRow[] = rows.map((row, i) => {
      const { errors, planned } = checked[i];
      return {
        rowNumber: row.rowNumber,
        outcome: errors.length > 0 ? 'error' : 'create',
        customerId: null,
        duplicateReason: null,
        firstRow: null,
        errors: errors.length > 0 ? errors : null,
        planned,
        raw: errors.length > 0 ? row.raw : null,
      };
    });

    for (const [i, plan] of plans.entries()) {
      const write = checked[i].write;
      if (plan.outcome !== 'create' || !write) continue;
      const keys = [
        write.email && `e:${write.email}`,
        write.phone && `p:${write.phone}`,
        write.customer_number && `n:${write.customer_number}`,
      ];
      for (const key of keys) {
        if (!key) continue;
        const first = seen.firstOf(key, plan.rowNumber);
        if (first !== undefined && plan.outcome === 'create') {
          plan.outcome = 'duplicate_in_file';
          plan.firstRow = first;
        }
      }
    }

    const open = (): number[] => plans.flatMap((plan, i) => (plan.outcome === 'create' ? [i] : []));
    await this.matchExisting(tenantId, rows, plans, checked, open(), context.externalIdSystem);
    if (previousImportId) await this.matchPreviousImport(tenantId, previousImportId, plans, open());

    const probes = open();
    const keys: DuplicateKeys[] = probes.map((i) => {
      const write = checked[i].write!;
      // Customer number and external id named no customer (else the row is an update).
      return {
        ...this.duplicates.keysOf(tenantId, write, false),
        externalIds: [],
      };
    });
    for (const candidate of await this.duplicates.bestCandidatesFor(tenantId, keys)) {
      const plan = plans[probes[candidate.probe]];
      plan.outcome = 'duplicate';
      plan.customerId = candidate.customerId;
      plan.duplicateReason = strongest(candidate.reasons);
    }
    return plans;
  }

  /**
   * The tenant's latest committed import of the same file (same SHA-256), if any: uploading a
   * file again after its commit plans its rows as updates of the customers it made, so it
   * creates nothing new (docs/import.md, "The commit").
   */
  async previousImport(
    tenantId: string,
    importId: string,
    sha256: string | null,
  ): Promise<string | null> {
    if (!sha256) return null;
    const [found] = await this.dataSource.query<{ id: string }[]>(
      `SELECT id FROM customers.imports
        WHERE tenant_id = $1 AND file_sha256 = $2 AND id <> $3 AND status = 'committed'
        ORDER BY committed_at DESC LIMIT 1`,
      [tenantId, sha256, importId],
    );
    return found?.id ?? null;
  }

  /**
   * Rows the previous import of the same file committed (created, updated or merged a customer
   * at the same row number): updates of that customer (of the survivor of a merged one). An
   * erased customer's row is planned afresh.
   */
  private async matchPreviousImport(
    tenantId: string,
    previousImportId: string,
    plans: PlannedRow[],
    open: number[],
  ): Promise<void> {
    if (open.length === 0) return;
    const byRow = new Map(open.map((i) => [plans[i].rowNumber, plans[i]]));
    const found = await this.dataSource.query<
      { row_number: number; id: string; status: string; survivor: string | null }[]
    >(
      `SELECT r.row_number, c.id, c.status,
              CASE WHEN c.status = 'merged' THEN customers.merge_chain_end($1, c.id) END AS survivor
         FROM customers.import_rows r
         JOIN customers.customers c ON c.tenant_id = r.tenant_id AND c.id = r.customer_id
        WHERE r.tenant_id = $1 AND r.import_id = $2 AND r.row_number = ANY($3::int[])
          AND r.result IN ('created', 'updated', 'merged')`,
      [tenantId, previousImportId, [...byRow.keys()]],
    );
    for (const match of found) {
      if (match.status === 'erased') continue;
      const plan = byRow.get(match.row_number)!;
      plan.outcome = 'update';
      plan.customerId = match.survivor ?? match.id;
    }
  }

  /**
   * Rows whose customer number or external id names a customer: updates of it (of the survivor
   * of a merged one). An erased customer's number stays taken, as for a create: an error.
   */
  private async matchExisting(
    tenantId: string,
    rows: readonly ImportSourceRow[],
    plans: PlannedRow[],
    checked: CheckedRow[],
    open: number[],
    system: string,
  ): Promise<void> {
    const numbers = open.map((i) => checked[i].write!.customer_number || null);
    const externals = open.map((i) => checked[i].write!.external_ids[0]?.id ?? null);
    if (!numbers.some(Boolean) && !externals.some(Boolean)) return;
    const found: ExistingMatch[] = await this.dataSource.query(
      `WITH probe AS (
         SELECT * FROM unnest($2::int[], $3::text[], $4::text[]) AS p(n, number, external)
       ), hits AS (
         SELECT p.n, c.id, c.status, 'customerNumber' AS key, 0 AS rank
           FROM probe p
           JOIN customers.customers c ON c.tenant_id = $1 AND c.customer_number = p.number
          WHERE p.number IS NOT NULL
         UNION ALL
         SELECT p.n, c.id, c.status, 'externalId', 1
           FROM probe p
           JOIN customers.customer_external_ids x
             ON x.tenant_id = $1 AND x.system = $5 AND x.external_id = p.external
           JOIN customers.customers c ON c.tenant_id = $1 AND c.id = x.customer_id
          WHERE p.external IS NOT NULL
       )
       SELECT DISTINCT ON (n) n, id, status, key,
              CASE WHEN status = 'merged' THEN customers.merge_chain_end($1, id) END AS survivor
         FROM hits ORDER BY n, rank`,
      [tenantId, open, numbers, externals, system],
    );
    for (const match of found) {
      const plan = plans[match.n];
      if (match.status === 'erased') {
        plan.outcome = 'error';
        plan.errors = [
          match.key === 'customerNumber'
            ? {
                field: 'customerNumber',
                reason: 'taken',
                message: 'customerNumber is already in use',
              }
            : {
                field: 'externalId',
                reason: 'taken',
                message: `external id ${system} belongs to an erased customer`,
              },
        ];
        plan.planned = null;
        plan.raw = rows[match.n].raw;
        continue;
      }
      plan.outcome = 'update';
      plan.customerId = match.survivor ?? match.id;
    }
  }
}
