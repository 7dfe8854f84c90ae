import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { ImportOutcome } from '@kanta/contracts';
import type { PlannedImportRow } from '../src/imports/commit/import-commit-plan';

/** A planned row as the dry run leaves it (docs/import.md, "Tables"). */
export interface SeedRow {
  rowNumber: number;
  outcome: ImportOutcome;
  customerId?: string | null;
  planned?: PlannedImportRow | null;
  errors?: { field: string; reason: string; message: string }[];
}

/**
 * An import as its dry run leaves it, `planned`, with its rows: written straight into the tables
 * so the commit is tested on its own (the dry run has tests of its own).
 */
export async function seedPlannedImport(
  db: Pick<DataSource, 'query'> | { query(sql: string, values?: unknown[]): Promise<unknown> },
  tenantId: string,
  rows: SeedRow[],
  options: { consentTextId?: string } = {},
): Promise<string> {
  const id = randomUUID();
  const count = (outcome: ImportOutcome): number =>
    rows.filter((r) => r.outcome === outcome).length;
  await db.query(
    `INSERT INTO customers.imports (tenant_id, id, file_name, file_size, format, options, status,
       rows_read, n_create, n_update, n_duplicate, n_duplicate_in_file, n_error, planned_at)
     VALUES ($1, $2, 'register.csv', 1000, 'csv', $3, 'planned', $4, $5, $6, $7, $8, $9, now())`,
    [
      tenantId,
      id,
      JSON.stringify(options),
      rows.length,
      count('create'),
      count('update'),
      count('duplicate'),
      count('duplicate_in_file'),
      count('error'),
    ],
  );
  // One statement for the lot: the kill test seeds tens of thousands.
  await db.query(
    `INSERT INTO customers.import_rows (tenant_id, import_id, row_number, outcome, customer_id,
       planned, errors)
     SELECT $1, $2, r.row_number, r.outcome, r.customer_id, r.planned, r.errors
       FROM jsonb_to_recordset($3::jsonb)
         AS r(row_number integer, outcome text, customer_id uuid, planned jsonb, errors jsonb)`,
    [
      tenantId,
      id,
      JSON.stringify(
        rows.map((r) => ({
          row_number: r.rowNumber,
          outcome: r.outcome,
          customer_id: r.customerId ?? null,
          planned: r.planned === undefined ? null : r.planned,
          errors: r.errors ?? null,
        })),
      ),
    ],
  );
  return id;
}

/** A person to create, with a phone and an e-mail unique to the row. */
export function personRow(rowNumber: number, more: Partial<PlannedImportRow> = {}): SeedRow {
  return {
    rowNumber,
    outcome: 'create',
    planned: {
      customer: {
        origin: 'import',
        kind: 'person',
        firstName: 'Tuonti',
        lastName: `Asiakas ${rowNumber}`,
        email: `tuonti.${rowNumber}@example.test`,
        phone: `040 ${String(1_000_000 + rowNumber).slice(-7)}`,
      },
      consents: {},
      ...more,
    },
  };
}
