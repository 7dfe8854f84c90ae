import type { MigrationInterface, QueryRunner } from 'typeorm';

/* A tenant's grace period between a deletion request and its erasure (0–365 days, default 30). */
export class TenantDeletionGrace1766500200000 implements MigrationInterface {
  name = 'TenantDeletionGrace1766500200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE gateway.tenants ADD COLUMN deletion_grace_days integer NOT NULL DEFAULT 30
         CHECK (deletion_grace_days BETWEEN 0 AND 365)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE gateway.tenants DROP COLUMN deletion_grace_days');
  }
}
