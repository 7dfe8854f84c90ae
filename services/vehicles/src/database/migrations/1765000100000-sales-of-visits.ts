import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * A sale tied to a visit but not to a customer (a POS receipt naming only the booking) belongs to
 * the visit's customer, so the customer's sales and summary count it: it takes the customer
 * when the visit has one, or gets it. This index finds the few sales still waiting for one.
 */
export class SalesOfVisits1765000100000 implements MigrationInterface {
  name = 'SalesOfVisits1765000100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX sales_visit_without_customer_idx ON vehicles.sales (tenant_id, visit_id)
        WHERE visit_id IS NOT NULL AND customer_id IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX vehicles.sales_visit_without_customer_idx');
  }
}
