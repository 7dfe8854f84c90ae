import type { MigrationInterface, QueryRunner } from 'typeorm';
import { commandLogTableV1Down, commandLogTableV1Up } from '@kanta/messaging';

/*
 * Report jobs (issue #15). The row is the job's truth (BullMQ only triggers it); the file lives
 * in REPORTS_DIR under the row's id. `report_customers` is a done (or running) report's manifest:
 * the customers it contains, so that an erasure deletes every file naming the person.
 */
const UP = [
  ...commandLogTableV1Up('reporting'),
  `CREATE TABLE reporting.report_jobs (
     tenant_id uuid NOT NULL,
     id uuid NOT NULL,
     type text NOT NULL,
     format text NOT NULL,
     locale text NOT NULL,
     time_zone text NOT NULL,
     criteria jsonb NOT NULL DEFAULT '{}',
     status text NOT NULL DEFAULT 'queued',
     requested_by uuid NOT NULL,
     requested_role text NOT NULL,
     rows_written integer NOT NULL DEFAULT 0,
     rows_total integer,
     row_count integer,
     error text,
     freshness timestamptz,
     size_bytes bigint,
     requested_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
     started_at timestamptz,
     completed_at timestamptz,
     expires_at timestamptz,
     PRIMARY KEY (tenant_id, id)
   )`,
  `CREATE INDEX report_jobs_requester_idx ON reporting.report_jobs (tenant_id, requested_by, id)`,
  `CREATE INDEX report_jobs_open_idx ON reporting.report_jobs (status, requested_at)
     WHERE status IN ('queued', 'running', 'done')`,
  `CREATE TABLE reporting.report_customers (
     tenant_id uuid NOT NULL,
     customer_id uuid NOT NULL,
     report_id uuid NOT NULL,
     PRIMARY KEY (tenant_id, customer_id, report_id)
   )`,
  `CREATE INDEX report_customers_report_idx ON reporting.report_customers (tenant_id, report_id)`,
];

const DOWN = [
  'DROP TABLE reporting.report_customers',
  'DROP TABLE reporting.report_jobs',
  ...commandLogTableV1Down('reporting'),
];

export class ReportJobs1767900000000 implements MigrationInterface {
  name = 'ReportJobs1767900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
