import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A tenant's time zone (IANA name): reminders are stored in UTC and shown, and typed without a
 * zone, in it. Existing tenants get the zone of their country, as new ones do by default
 * (`defaultTimeZone` in src/identity/time-zone.ts).
 */
export class TenantTimeZone1764200000000 implements MigrationInterface {
  name = 'TenantTimeZone1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE gateway.tenants ADD COLUMN time_zone text`);
    await queryRunner.query(`
      UPDATE gateway.tenants SET time_zone = CASE country
        WHEN 'FI' THEN 'Europe/Helsinki'
        WHEN 'PL' THEN 'Europe/Warsaw'
        WHEN 'FR' THEN 'Europe/Paris'
        WHEN 'UA' THEN 'Europe/Kyiv'
        ELSE 'UTC' END`);
    await queryRunner.query(`
      ALTER TABLE gateway.tenants
        ALTER COLUMN time_zone SET NOT NULL,
        ADD CONSTRAINT tenants_time_zone_check CHECK (length(time_zone) BETWEEN 1 AND 64)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE gateway.tenants DROP COLUMN time_zone`);
  }
}
