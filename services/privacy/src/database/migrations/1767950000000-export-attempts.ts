import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * A data export counts its runs in its row: the job's retries and the sweep's runs (a job lost
 * with Redis) both claim the row, so the count is the one place that knows when a service that
 * does not answer has had its chances (EXPORT_ATTEMPTS) and the export fails.
 */
const UP = [`ALTER TABLE privacy.data_exports ADD COLUMN attempts integer NOT NULL DEFAULT 0`];

const DOWN = [`ALTER TABLE privacy.data_exports DROP COLUMN attempts`];

export class ExportAttempts1767950000000 implements MigrationInterface {
  name = 'ExportAttempts1767950000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
