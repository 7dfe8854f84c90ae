import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * A tenant's report retention (issue #15): the days a done report's file is kept before the
 * reporting service's sweep deletes it, 1–365, default 7. Announced with the other settings the
 * services act on by themselves (gateway.tenant.settings.v1).
 */
export class TenantReportRetention1768040000000 implements MigrationInterface {
  name = 'TenantReportRetention1768040000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE gateway.tenants ADD COLUMN report_retention_days integer NOT NULL DEFAULT 7
         CHECK (report_retention_days BETWEEN 1 AND 365)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE gateway.tenants DROP COLUMN report_retention_days');
  }
}
