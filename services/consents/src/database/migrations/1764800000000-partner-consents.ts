import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Consents and preferences that partner events carry wait here for the customers service's
 * answer to whom the event's contact details belong (`customers.contact.resolved.v1`), and an
 * answer that arrives before its partner event waits for it. Whichever comes second takes the
 * other's row and deletes it, so both tables hold only what is in flight.
 */
const UP = [
  `CREATE TABLE consents.partner_pending (
     tenant_id uuid NOT NULL,
     partner_event_id uuid NOT NULL,
     partner text NOT NULL,
     source text NOT NULL,
     decisions jsonb NOT NULL DEFAULT '[]',
     preferences jsonb,
     correlation_id text,
     received_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (tenant_id, partner_event_id)
   )`,
  `CREATE TABLE consents.partner_resolutions (
     tenant_id uuid NOT NULL,
     partner_event_id uuid NOT NULL,
     customer_id uuid,
     received_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (tenant_id, partner_event_id)
   )`,
];

const DOWN = ['DROP TABLE consents.partner_resolutions', 'DROP TABLE consents.partner_pending'];

export class PartnerConsents1764800000000 implements MigrationInterface {
  name = 'PartnerConsents1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
