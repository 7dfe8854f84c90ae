import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Each customer merge this service ran (issue #14), by merge id: a request for the same merge
 * asked again (the privacy service's retry beside a replayed dead letter) finds it here and
 * moves nothing twice, even after an undo, which marks it undone. Ids only; an erasure of either
 * customer deletes the row, as it deletes `merge_moves`.
 */
const UP = [
  `CREATE TABLE vehicles.customer_merges (
     tenant_id uuid NOT NULL,
     merge_id uuid NOT NULL,
     survivor_id uuid NOT NULL,
     duplicate_id uuid NOT NULL,
     merged_at timestamptz NOT NULL DEFAULT now(),
     undone_at timestamptz,
     PRIMARY KEY (tenant_id, merge_id)
   )`,
  `CREATE INDEX customer_merges_survivor_idx ON vehicles.customer_merges (tenant_id, survivor_id)`,
  `CREATE INDEX customer_merges_duplicate_idx
     ON vehicles.customer_merges (tenant_id, duplicate_id)`,
];

export class CustomerMerges1767500000000 implements MigrationInterface {
  name = 'CustomerMerges1767500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE vehicles.customer_merges');
  }
}
