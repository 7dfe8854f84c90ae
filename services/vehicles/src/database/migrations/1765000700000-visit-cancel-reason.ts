import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Why a visit was cancelled, as the booking system (`partner.booking.cancelled.v1` `reason`) or
 * reception said it: kept with the visit instead of dropped.
 */
export class VisitCancelReason1765000700000 implements MigrationInterface {
  name = 'VisitCancelReason1765000700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE vehicles.visits ADD COLUMN cancel_reason text');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE vehicles.visits DROP COLUMN cancel_reason');
  }
}
