import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Receipts are listed by time of sale (a station's day, the tenant's newest) and by visit (the
 * receipts of a visit). The index by visit serves every sale tied to one, so the partial index of
 * those still without a customer is no longer needed.
 */
export class SalesLists1765000800000 implements MigrationInterface {
  name = 'SalesLists1765000800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE INDEX sales_sold_idx ON vehicles.sales (tenant_id, sold_at, id)',
    );
    await queryRunner.query(
      `CREATE INDEX sales_visit_idx ON vehicles.sales (tenant_id, visit_id)
        WHERE visit_id IS NOT NULL`,
    );
    await queryRunner.query('DROP INDEX vehicles.sales_visit_without_customer_idx');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX sales_visit_without_customer_idx ON vehicles.sales (tenant_id, visit_id)
        WHERE visit_id IS NOT NULL AND customer_id IS NULL`,
    );
    await queryRunner.query('DROP INDEX vehicles.sales_visit_idx');
    await queryRunner.query('DROP INDEX vehicles.sales_sold_idx');
  }
}
