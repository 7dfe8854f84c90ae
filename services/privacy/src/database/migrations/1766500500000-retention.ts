import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Retention: the tenants' setting (learnt from the gateway's announcements), each customer's last
 * activity (learnt from customer, visit and sale events), and a summary of each sweep's run.
 * Ids, numbers of years, times and counts: nothing of a person.
 */
const UP = [
  `CREATE TABLE privacy.tenant_settings (
     tenant_id uuid PRIMARY KEY,
     retention_years integer CHECK (retention_years BETWEEN 1 AND 30),
     version integer NOT NULL
   )`,
  `CREATE TABLE privacy.customer_activity (
     tenant_id uuid NOT NULL,
     customer_id uuid NOT NULL,
     last_activity_at timestamptz NOT NULL,
     PRIMARY KEY (tenant_id, customer_id)
   )`,
  `CREATE INDEX customer_activity_last_idx ON privacy.customer_activity
     (tenant_id, last_activity_at)`,
  // What happened before this migration was not recorded: the customers known now count as
  // active now, so none is erased for inactivity the service never saw.
  `INSERT INTO privacy.customer_activity (tenant_id, customer_id, last_activity_at)
   SELECT tenant_id, customer_id, date_trunc('milliseconds', now()) FROM privacy.known_customers`,
  `CREATE TABLE privacy.retention_runs (
     tenant_id uuid NOT NULL,
     id uuid NOT NULL,
     years integer NOT NULL,
     cutoff timestamptz NOT NULL,
     started_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
     finished_at timestamptz,
     erased integer NOT NULL DEFAULT 0,
     erasure_ids uuid[] NOT NULL DEFAULT '{}',
     PRIMARY KEY (tenant_id, id)
   )`,
];

const DOWN = [
  'DROP TABLE privacy.retention_runs',
  'DROP TABLE privacy.customer_activity',
  'DROP TABLE privacy.tenant_settings',
];

export class Retention1766500500000 implements MigrationInterface {
  name = 'Retention1766500500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
