import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * The role a partner gave the customer it named for a vehicle (`vehicle.customerRole`: owner or
 * proxy), kept with a vehicle waiting for that customer's answer.
 */
export class PartnerLinkRole1765000400000 implements MigrationInterface {
  name = 'PartnerLinkRole1765000400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE vehicles.pending_vehicle_links
         ADD COLUMN role text CHECK (role IN ('owner', 'proxy'))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE vehicles.pending_vehicle_links DROP COLUMN role');
  }
}
