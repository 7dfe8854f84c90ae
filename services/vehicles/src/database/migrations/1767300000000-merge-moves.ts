import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * What each customer merge moved here (issue #14), so its undo moves back exactly that: one row
 * per moved row, by kind (`vehicle_link`: the vehicle's id, the link being the duplicate's to
 * it; `visit`, `sale`: their ids). Ids only, no value of the person; the two customers are
 * named so an erasure of either deletes the rows.
 */
const UP = [
  `CREATE TABLE vehicles.merge_moves (
     tenant_id uuid NOT NULL,
     merge_id uuid NOT NULL,
     kind text NOT NULL CHECK (kind IN ('vehicle_link', 'visit', 'sale')),
     row_key uuid NOT NULL,
     survivor_id uuid NOT NULL,
     duplicate_id uuid NOT NULL,
     moved_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (tenant_id, merge_id, kind, row_key)
   )`,
  `CREATE INDEX merge_moves_survivor_idx ON vehicles.merge_moves (tenant_id, survivor_id)`,
  `CREATE INDEX merge_moves_duplicate_idx ON vehicles.merge_moves (tenant_id, duplicate_id)`,
];

export class MergeMoves1767300000000 implements MigrationInterface {
  name = 'MergeMoves1767300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE vehicles.merge_moves');
  }
}
