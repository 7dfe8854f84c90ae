import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * A vehicle waiting to be linked to the customer its partner event's contact resolves to waits
 * for an answer that may never come (the customers service dead-lettered the event and nobody
 * replayed it). Since when it waits lets the relay's clean-up give up on it after
 * EVENTS_WAIT_RETENTION_DAYS, as it does for the answers kept for events that never arrived.
 * Rows already waiting count from the migration.
 */
export class WaitingSince1765000000000 implements MigrationInterface {
  name = 'WaitingSince1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE vehicles.pending_vehicle_links
         ADD COLUMN waiting_since timestamptz NOT NULL DEFAULT now()`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE vehicles.pending_vehicle_links DROP COLUMN waiting_since');
  }
}
