import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * The customers report (services/reporting/README.md, "The `customers` report"). Its rows are the
 * customers matching the customer search's criteria, which only the customers service can match
 * (text, source, external ids): a run takes their ids from it over RPC once and keeps them here,
 * by report, while it writes both sheets from the read model; the run deletes them when it ends.
 * Ids only, for one run: unlogged (a crash loses them, and the run started again takes them anew).
 * The partial index is the online-bookings-pending report's: its pending online bookings in
 * date order, few among a tenant's visits.
 */
const UP = [
  `CREATE UNLOGGED TABLE reporting.report_matches (
     tenant_id uuid NOT NULL,
     report_id uuid NOT NULL,
     customer_id uuid NOT NULL,
     PRIMARY KEY (tenant_id, report_id, customer_id)
   )`,
  `CREATE INDEX visits_pending_online_idx ON reporting.visits (tenant_id, scheduled_at, visit_id)
     WHERE status = 'booked' AND channel IN ('online_booking', 'marketplace')`,
];

const DOWN = [
  'DROP INDEX reporting.visits_pending_online_idx',
  'DROP TABLE reporting.report_matches',
];

export class ReportMatches1767930000000 implements MigrationInterface {
  name = 'ReportMatches1767930000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
