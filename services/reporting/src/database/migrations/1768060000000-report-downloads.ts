import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * The report audit (issue #15): who took a report's file when. One row per download (the first
 * chunk asked), ids and times only, so the privacy audit can answer "was this person in an
 * export, when, and who took it" from the manifest (`report_customers`) and these rows. The
 * rows outlive the file: an expired, erased or deleted report keeps them.
 */
const UP = [
  `CREATE TABLE reporting.report_downloads (
     tenant_id uuid NOT NULL,
     report_id uuid NOT NULL,
     id uuid NOT NULL,
     user_id uuid NOT NULL,
     role text NOT NULL,
     downloaded_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
     PRIMARY KEY (tenant_id, report_id, id)
   )`,
];

const DOWN = ['DROP TABLE reporting.report_downloads'];

export class ReportDownloads1768060000000 implements MigrationInterface {
  name = 'ReportDownloads1768060000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
