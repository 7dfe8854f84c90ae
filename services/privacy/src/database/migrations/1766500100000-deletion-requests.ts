import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Deletion requests (Timma's "Poistopyyntö"): who recorded it, how the customer asked, when it
 * is due (the tenant's grace period, fixed when recorded) and what became of it. The row is the
 * truth; a BullMQ delayed job and the sweep are only its triggers.
 */
const UP = [
  `CREATE TABLE privacy.deletion_requests (
     tenant_id uuid NOT NULL,
     id uuid NOT NULL,
     customer_id uuid NOT NULL,
     channel text NOT NULL,
     requested_by uuid NOT NULL,
     requested_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
     due_at timestamptz NOT NULL,
     status text NOT NULL DEFAULT 'pending',
     cancelled_at timestamptz,
     cancelled_by uuid,
     erasure_id uuid,
     correlation_id text,
     PRIMARY KEY (tenant_id, id),
     CHECK (status IN ('pending', 'done', 'cancelled'))
   )`,
  // One pending request per customer: a second is a 409, two at once make one.
  `CREATE UNIQUE INDEX deletion_requests_pending_key ON privacy.deletion_requests
     (tenant_id, customer_id) WHERE status = 'pending'`,
  `CREATE INDEX deletion_requests_customer_idx ON privacy.deletion_requests
     (tenant_id, customer_id, id)`,
  `CREATE INDEX deletion_requests_list_idx ON privacy.deletion_requests (tenant_id, status, id)`,
  // The sweep's: what is due, across tenants.
  `CREATE INDEX deletion_requests_due_idx ON privacy.deletion_requests (due_at)
     WHERE status = 'pending'`,
];

const DOWN = ['DROP TABLE privacy.deletion_requests'];

export class DeletionRequests1766500100000 implements MigrationInterface {
  name = 'DeletionRequests1766500100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
