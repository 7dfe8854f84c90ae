import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Each tenant's settings this service acts on by itself, from the gateway's announcements
 * (gateway.tenant.settings.v1): the days a done report's file is kept. `version` is the
 * announcement's: the newest wins whatever order they arrive in. A tenant never announced has
 * the default (REPORT_RETENTION_DAYS).
 */
const UP = [
  `CREATE TABLE reporting.tenant_settings (
     tenant_id uuid PRIMARY KEY,
     report_retention_days integer NOT NULL CHECK (report_retention_days BETWEEN 1 AND 365),
     version integer NOT NULL
   )`,
];

const DOWN = ['DROP TABLE reporting.tenant_settings'];

export class TenantSettings1768050000000 implements MigrationInterface {
  name = 'TenantSettings1768050000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
