import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * A tenant's retention: customers with no visit, sale or edit for this many years are erased
 * (1–30; null, the default, is off). `settings_version` counts the changes of the settings the
 * gateway announces (gateway.tenant.settings.v1), so services keep the newest whatever order the
 * announcements arrive in.
 */
export class TenantRetention1766500500100 implements MigrationInterface {
  name = 'TenantRetention1766500500100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE gateway.tenants
         ADD COLUMN retention_years integer CHECK (retention_years BETWEEN 1 AND 30),
         ADD COLUMN settings_version integer NOT NULL DEFAULT 0`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE gateway.tenants DROP COLUMN retention_years, DROP COLUMN settings_version',
    );
  }
}
