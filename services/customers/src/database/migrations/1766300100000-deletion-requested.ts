import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * The customer's pending deletion request, as the privacy service announces it, so the card can
 * say "deletion requested on …, due on …". Ids and dates only; not an edit of the card (no new
 * version). An erased shell has none.
 */
const UP = [
  `ALTER TABLE customers.customers ADD COLUMN deletion_request_id uuid,
     ADD COLUMN deletion_requested_at timestamptz, ADD COLUMN deletion_due_at timestamptz`,
  `ALTER TABLE customers.customers ADD CONSTRAINT customers_erased_no_deletion_request_check
     CHECK (status <> 'erased' OR deletion_request_id IS NULL)`,
];

const DOWN = [
  'ALTER TABLE customers.customers DROP CONSTRAINT customers_erased_no_deletion_request_check',
  `ALTER TABLE customers.customers DROP COLUMN deletion_request_id,
     DROP COLUMN deletion_requested_at, DROP COLUMN deletion_due_at`,
];

export class DeletionRequested1766300100000 implements MigrationInterface {
  name = 'DeletionRequested1766300100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
