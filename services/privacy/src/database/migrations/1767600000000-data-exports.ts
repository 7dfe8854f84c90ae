import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Data hand-overs (Timma's "Luovuta tiedot", GDPR Art. 15 and 20): one row per export, its ZIP
 * kept in the row itself (no disk shared between replicas) until it expires and the sweep
 * deletes the bytes. `context` is the caller's context the job asks the other services with:
 * ids, the tenant's locale and zone, a role; nothing of the person. An erasure of the customer
 * deletes their rows at once (Erasures.begin).
 */
const UP = [
  `CREATE TABLE privacy.data_exports (
     tenant_id uuid NOT NULL,
     id uuid NOT NULL,
     customer_id uuid NOT NULL,
     status text NOT NULL DEFAULT 'pending',
     parts_done text[] NOT NULL DEFAULT '{}',
     failure text,
     requested_by uuid NOT NULL,
     requested_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
     started_at timestamptz,
     completed_at timestamptz,
     expires_at timestamptz,
     size_bytes integer,
     file bytea,
     context jsonb NOT NULL,
     correlation_id text,
     PRIMARY KEY (tenant_id, id),
     CHECK (status IN ('pending', 'running', 'ready', 'failed', 'expired')),
     CHECK (file IS NULL OR status = 'ready')
   )`,
  // An erasure deletes the customer's exports.
  `CREATE INDEX data_exports_customer_idx ON privacy.data_exports (tenant_id, customer_id)`,
  // The sweep's: files to delete, and exports whose job was lost.
  `CREATE INDEX data_exports_expiry_idx ON privacy.data_exports (expires_at)
     WHERE status = 'ready'`,
  `CREATE INDEX data_exports_waiting_idx ON privacy.data_exports (requested_at)
     WHERE status IN ('pending', 'running')`,
];

const DOWN = ['DROP TABLE privacy.data_exports'];

export class DataExports1767600000000 implements MigrationInterface {
  name = 'DataExports1767600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
