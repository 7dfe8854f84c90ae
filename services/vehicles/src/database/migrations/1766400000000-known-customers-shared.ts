import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * The customers projection is one implementation for every service (KnownCustomers in
 * libs/messaging), over one table shape: the customer's column is named as in consents, and
 * the flags of whether an e-mail address and a phone number are on file are kept here too (false
 * for customers learnt before: the next version of each tells them).
 */
const UP = [
  'ALTER TABLE vehicles.known_customers RENAME COLUMN id TO customer_id',
  `ALTER TABLE vehicles.known_customers
     ADD COLUMN has_email boolean NOT NULL DEFAULT false,
     ADD COLUMN has_phone boolean NOT NULL DEFAULT false`,
];

const DOWN = [
  'ALTER TABLE vehicles.known_customers DROP COLUMN has_email, DROP COLUMN has_phone',
  'ALTER TABLE vehicles.known_customers RENAME COLUMN customer_id TO id',
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
