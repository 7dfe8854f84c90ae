import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  commandLogTableV1Down,
  commandLogTableV1Up,
  deadLettersUp,
  inboxByTenantUp,
  knownCustomersTableUp,
  messagingTablesUp,
} from '@kanta/messaging';

/*
 * The privacy service's schema: the messaging tables every service has, the customers it knows
 * (with their numbers, which an erasure is confirmed with), and the erasures with each
 * participant's confirmation. Nothing here holds a value of a person: ids, codes, times, counts.
 */
const UP = [
  ...messagingTablesUp('privacy'),
  ...inboxByTenantUp('privacy'),
  ...deadLettersUp('privacy'),
  ...commandLogTableV1Up('privacy'),
  ...knownCustomersTableUp('privacy'),
  'ALTER TABLE privacy.known_customers ADD COLUMN customer_number text',
  `CREATE TABLE privacy.erasures (
     tenant_id uuid NOT NULL,
     id uuid NOT NULL,
     customer_id uuid NOT NULL,
     reason text NOT NULL,
     requested_by uuid NOT NULL,
     requested_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
     completed_at timestamptz,
     correlation_id text,
     PRIMARY KEY (tenant_id, id)
   )`,
  // One erasure per customer: a second request is a 409, and two at once cannot both start.
  'CREATE UNIQUE INDEX erasures_customer_key ON privacy.erasures (tenant_id, customer_id)',
  `CREATE TABLE privacy.erasure_confirmations (
     tenant_id uuid NOT NULL,
     erasure_id uuid NOT NULL,
     participant text NOT NULL,
     completed_at timestamptz,
     counts jsonb NOT NULL DEFAULT '{}',
     asked_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
     PRIMARY KEY (tenant_id, erasure_id, participant),
     FOREIGN KEY (tenant_id, erasure_id) REFERENCES privacy.erasures (tenant_id, id)
   )`,
  `CREATE INDEX erasure_confirmations_pending_idx ON privacy.erasure_confirmations (asked_at)
     WHERE completed_at IS NULL`,
];

const DOWN = [
  'DROP TABLE privacy.erasure_confirmations',
  'DROP TABLE privacy.erasures',
  'DROP TABLE privacy.known_customers',
  ...commandLogTableV1Down('privacy'),
  'DROP TABLE privacy.dead_letters',
  'DROP TABLE privacy.inbox',
  'DROP TABLE privacy.outbox',
];

export class Privacy1766500000000 implements MigrationInterface {
  name = 'Privacy1766500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
