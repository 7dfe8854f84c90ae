import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * The commit of an import (issue #16, docs/import.md "The commit"):
 * - `commit_context`: who asked for the commit and the tenant's settings then (country for
 *   phones, locale), the job's caller context: the job runs without a request.
 * - `customers_done_at`: every row is committed; the import is `committed` once every vehicles
 *   batch sent has been answered too (vehicle_batches_done = vehicle_batches_sent).
 * - `n_vehicles_linked`: rows whose plate the tenant had already (the vehicle got the customer).
 * - `import_vehicle_batches`: each vehicles batch answered, once (the answer delivered twice, or
 *   the same batch answered under another event id, counts once).
 */
const UP = [
  `ALTER TABLE customers.imports
     ADD COLUMN commit_context jsonb,
     ADD COLUMN customers_done_at timestamptz,
     ADD COLUMN n_vehicles_linked integer NOT NULL DEFAULT 0`,
  `CREATE TABLE customers.import_vehicle_batches (
     tenant_id uuid NOT NULL,
     import_id uuid NOT NULL,
     batch integer NOT NULL,
     answered_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (tenant_id, import_id, batch),
     FOREIGN KEY (tenant_id, import_id) REFERENCES customers.imports (tenant_id, id)
       ON DELETE CASCADE
   )`,
  `CREATE INDEX imports_committing_idx ON customers.imports (status) WHERE status = 'committing'`,
];

const DOWN = [
  'DROP INDEX customers.imports_committing_idx',
  'DROP TABLE customers.import_vehicle_batches',
  `ALTER TABLE customers.imports DROP COLUMN commit_context, DROP COLUMN customers_done_at,
     DROP COLUMN n_vehicles_linked`,
];

export class ImportCommit1768300000000 implements MigrationInterface {
  name = 'ImportCommit1768300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
