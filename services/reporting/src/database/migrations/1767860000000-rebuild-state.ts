import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * The read model's rebuild (services/reporting/README.md, "Rebuild"): one row per tenant rebuilt
 * or being rebuilt. A row without `completed_at` is a rebuild that stopped (the process ended):
 * the service runs it again at start. No row at all with an empty read model: a first start on a
 * database where the owners already hold data, and the service rebuilds every tenant at start.
 */
const UP = [
  `CREATE TABLE reporting.rebuild_state (
     tenant_id uuid PRIMARY KEY,
     started_at timestamptz NOT NULL,
     completed_at timestamptz,
     counts jsonb
   )`,
];

const DOWN = ['DROP TABLE reporting.rebuild_state'];

export class RebuildState1767860000000 implements MigrationInterface {
  name = 'RebuildState1767860000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
