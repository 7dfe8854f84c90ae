import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Every event id a partner POSTed, with its tenant, kept for good. The services' inboxes let an
 * event id through once whatever its tenant, so an id one tenant used must never be accepted for
 * another (a vendor deriving ids from per-tenant booking numbers would reuse them): the outbox,
 * which forgot an id after its 7-day retention, could not say so for long. Ids still in the
 * outbox are carried over.
 */
export class PartnerEventIds1765100000000 implements MigrationInterface {
  name = 'PartnerEventIds1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE gateway.partner_event_ids (
         event_id uuid PRIMARY KEY,
         tenant_id uuid NOT NULL,
         received_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    await queryRunner.query(
      `INSERT INTO gateway.partner_event_ids (event_id, tenant_id, received_at)
       SELECT event_id, tenant_id, created_at FROM gateway.outbox
        WHERE type LIKE 'partner.%' AND tenant_id IS NOT NULL
       ON CONFLICT DO NOTHING`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE gateway.partner_event_ids');
  }
}
