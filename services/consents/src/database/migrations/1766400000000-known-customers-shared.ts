import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * The customers projection is one implementation for every service (KnownCustomers in
 * libs/messaging), over one table shape: `known_customers`, as in vehicles, with its defaults.
 */
const UP = [
  'ALTER TABLE consents.customers RENAME TO known_customers',
  'ALTER TABLE consents.known_customers RENAME CONSTRAINT customers_pkey TO known_customers_pkey',
  `ALTER TABLE consents.known_customers
     ALTER COLUMN status SET DEFAULT 'active', ALTER COLUMN version SET DEFAULT 0`,
];

const DOWN = [
  `ALTER TABLE consents.known_customers
     ALTER COLUMN status DROP DEFAULT, ALTER COLUMN version DROP DEFAULT`,
  'ALTER TABLE consents.known_customers RENAME CONSTRAINT known_customers_pkey TO customers_pkey',
  'ALTER TABLE consents.known_customers RENAME TO customers',
];

export class KnownCustomersShared1766400000000 implements MigrationInterface {
  name = 'KnownCustomersShared1766400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
