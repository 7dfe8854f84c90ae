import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * A report catches up before it is written (services/reporting/README.md, "Catching up"): it asks
 * each source service for an outbox mark, and `outbox_marks` records the marks that have arrived
 * (applied by the consumer in the transaction of the events before them). `catch_up` on the job
 * says whether the report caught up, how long it waited, and for each source that did not, why
 * and how far its events had been applied.
 */
const UP = [
  `CREATE TABLE reporting.outbox_marks (
     mark_id uuid NOT NULL,
     source text NOT NULL,
     arrived_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (mark_id, source)
   )`,
  `CREATE INDEX outbox_marks_arrived_idx ON reporting.outbox_marks (arrived_at)`,
  `ALTER TABLE reporting.report_jobs ADD COLUMN catch_up jsonb`,
];

const DOWN = [
  'ALTER TABLE reporting.report_jobs DROP COLUMN catch_up',
  'DROP TABLE reporting.outbox_marks',
];

export class ReportCatchUp1768070000000 implements MigrationInterface {
  name = 'ReportCatchUp1768070000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
