import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * A visit can wait for the answers about several partner events' contact details at once: a
 * booking and an online check-in for it, both before either answer. One contact_event_id per
 * visit kept only the first, so when that one named nobody the check-in's customer never reached
 * the visit. Each waiting event is now a row of its own; the first answer that names a customer
 * gives it to the visit, and every answer ends its own wait. waiting_since lets the relay's
 * clean-up give up on an answer that never comes, as for the other waiting rows; visits already
 * waiting count from the migration (the column held no time), so they get the full retention.
 */
export class VisitContactWaits1765000600000 implements MigrationInterface {
  name = 'VisitContactWaits1765000600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE vehicles.visit_contact_waits (
         tenant_id uuid NOT NULL,
         partner_event_id uuid NOT NULL,
         visit_id uuid NOT NULL,
         waiting_since timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (tenant_id, partner_event_id),
         FOREIGN KEY (tenant_id, visit_id) REFERENCES vehicles.visits (tenant_id, id)
       )`,
    );
    await queryRunner.query(
      `INSERT INTO vehicles.visit_contact_waits (tenant_id, partner_event_id, visit_id)
       SELECT tenant_id, contact_event_id, id FROM vehicles.visits
        WHERE contact_event_id IS NOT NULL AND customer_id IS NULL`,
    );
    await queryRunner.query('DROP INDEX vehicles.visits_contact_idx');
    await queryRunner.query('ALTER TABLE vehicles.visits DROP COLUMN contact_event_id');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE vehicles.visits ADD COLUMN contact_event_id uuid');
    await queryRunner.query(
      `UPDATE vehicles.visits v SET contact_event_id = w.partner_event_id
         FROM vehicles.visit_contact_waits w
        WHERE v.tenant_id = w.tenant_id AND v.id = w.visit_id`,
    );
    await queryRunner.query(
      `CREATE INDEX visits_contact_idx ON vehicles.visits (tenant_id, contact_event_id)
         WHERE contact_event_id IS NOT NULL`,
    );
    await queryRunner.query('DROP TABLE vehicles.visit_contact_waits');
  }
}
