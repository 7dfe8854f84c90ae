import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * A partner event (a booking with the person's name, phone, e-mail and requests) leaves the
 * gateway's outbox in the transaction that marks it published: the services that consume it
 * have it then, and nothing in the gateway reads a published partner row (duplicates are told by
 * `partner_event_ids`, which keeps the id, tenant and time). Kept for the outbox's 7-day
 * retention, a booking of a customer erased in the meantime would stay behind with nothing in it
 * naming the customer. Done by a trigger because the relay that marks rows is the same for every
 * service; the gateway's own rows (station announcements) are not touched.
 */
export class PublishedPartnerEventsForgotten1766600000000 implements MigrationInterface {
  name = 'PublishedPartnerEventsForgotten1766600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE FUNCTION gateway.forget_published_partner_events() RETURNS trigger
         LANGUAGE plpgsql AS $$
       BEGIN
         DELETE FROM gateway.outbox o USING marked m
          WHERE o.id = m.id AND m.published_at IS NOT NULL AND m.type LIKE 'partner.%';
         RETURN NULL;
       END $$`,
    );
    // Per statement, over the rows it changed: the relay marks up to a thousand at once.
    await queryRunner.query(
      `CREATE TRIGGER outbox_published_partner_events_forgotten
         AFTER UPDATE ON gateway.outbox REFERENCING NEW TABLE AS marked
         FOR EACH STATEMENT EXECUTE FUNCTION gateway.forget_published_partner_events()`,
    );
    await queryRunner.query(
      `DELETE FROM gateway.outbox WHERE published_at IS NOT NULL AND type LIKE 'partner.%'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'DROP TRIGGER outbox_published_partner_events_forgotten ON gateway.outbox',
    );
    await queryRunner.query('DROP FUNCTION gateway.forget_published_partner_events()');
  }
}
