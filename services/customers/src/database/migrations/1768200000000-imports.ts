import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Imports (issue #16, docs/import.md): an import's job and its planned rows. The uploaded file
 * lives in IMPORTS_DIR until its dry run has read it; the rows hold what the commit needs (the
 * planned write, cleared as each row is committed) and, for error rows only, the cells as
 * uploaded for errors.xlsx. Every key starts with the tenant like the other tables of the schema.
 *
 * `import_rows.outcome` is what the dry run planned; `result` what the commit did with it. A row
 * failing at commit keeps its outcome and gets result 'failed' with its errors.
 *
 * An upload is an import in status 'uploading' (its id is the upload's): the gateway streams the
 * file's chunks to it, then starts it ('planning').
 */
const UP = [
  `CREATE TABLE customers.imports (
     tenant_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     created_by uuid,
     file_name text NOT NULL,
     file_size bigint NOT NULL DEFAULT 0,
     file_sha256 text,
     format text CHECK (format IN ('csv', 'xlsx')),
     encoding text,
     separator text,
     options jsonb NOT NULL DEFAULT '{}',
     status text NOT NULL DEFAULT 'uploading'
       CHECK (status IN ('uploading', 'planning', 'planned', 'committing', 'committed',
                         'cancelled', 'failed')),
     problem jsonb,
     warnings jsonb NOT NULL DEFAULT '[]',
     rows_read integer NOT NULL DEFAULT 0,
     bytes_read bigint NOT NULL DEFAULT 0,
     n_create integer NOT NULL DEFAULT 0,
     n_update integer NOT NULL DEFAULT 0,
     n_duplicate integer NOT NULL DEFAULT 0,
     n_duplicate_in_file integer NOT NULL DEFAULT 0,
     n_error integer NOT NULL DEFAULT 0,
     duplicates text CHECK (duplicates IN ('skip', 'create', 'merge')),
     committed_through integer NOT NULL DEFAULT 0,
     n_created integer NOT NULL DEFAULT 0,
     n_updated integer NOT NULL DEFAULT 0,
     n_merged integer NOT NULL DEFAULT 0,
     n_skipped integer NOT NULL DEFAULT 0,
     n_failed integer NOT NULL DEFAULT 0,
     vehicle_batches_sent integer NOT NULL DEFAULT 0,
     vehicle_batches_done integer NOT NULL DEFAULT 0,
     n_vehicles_created integer NOT NULL DEFAULT 0,
     n_vehicles_refused integer NOT NULL DEFAULT 0,
     created_at timestamptz NOT NULL DEFAULT now(),
     planned_at timestamptz,
     committed_at timestamptz,
     cancelled_at timestamptz,
     expires_at timestamptz NOT NULL DEFAULT now() + interval '7 days',
     PRIMARY KEY (tenant_id, id)
   )`,
  `CREATE INDEX imports_created_idx ON customers.imports (tenant_id, created_at DESC, id DESC)`,
  `CREATE INDEX imports_sha256_idx ON customers.imports (tenant_id, file_sha256)
     WHERE file_sha256 IS NOT NULL`,
  `CREATE INDEX imports_expires_idx ON customers.imports (expires_at)
     WHERE status NOT IN ('committed', 'committing')`,
  `CREATE TABLE customers.import_rows (
     tenant_id uuid NOT NULL,
     import_id uuid NOT NULL,
     row_number integer NOT NULL,
     outcome text NOT NULL
       CHECK (outcome IN ('create', 'update', 'duplicate', 'duplicate_in_file', 'error')),
     customer_id uuid,
     duplicate_reason text,
     first_row integer,
     errors jsonb,
     planned jsonb,
     raw jsonb,
     result text CHECK (result IN ('created', 'updated', 'merged', 'skipped', 'failed')),
     PRIMARY KEY (tenant_id, import_id, row_number),
     FOREIGN KEY (tenant_id, import_id) REFERENCES customers.imports (tenant_id, id)
       ON DELETE CASCADE
   )`,
  `CREATE INDEX import_rows_outcome_idx
     ON customers.import_rows (tenant_id, import_id, outcome, row_number)`,
  `CREATE INDEX import_rows_customer_idx ON customers.import_rows (tenant_id, customer_id)
     WHERE customer_id IS NOT NULL`,
  `ALTER TABLE customers.customers ADD COLUMN import_id uuid`,
  `CREATE INDEX customers_import_idx ON customers.customers (tenant_id, import_id)
     WHERE import_id IS NOT NULL`,
];

const DOWN = [
  'DROP INDEX customers.customers_import_idx',
  'ALTER TABLE customers.customers DROP COLUMN import_id',
  'DROP TABLE customers.import_rows',
  'DROP TABLE customers.imports',
];

export class Imports1768200000000 implements MigrationInterface {
  name = 'Imports1768200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
