import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * An erased customer (issue #14) stays as a shell: status 'erased', erased_at, and none of the
 * person's fields. The shell is also a rule of the table, so no path (an edit, a late event of
 * another service, a bulk load) can put a value of the person back on it: every personal,
 * derived and projected column must be empty while the status is 'erased'.
 *
 * The constraints are added NOT VALID and validated afterwards: the validation scans the table
 * under a lock that lets reads and writes go on, where adding them valid would hold an
 * exclusive lock for the whole scan.
 */
const UP = [
  `ALTER TABLE customers.customers ADD COLUMN erased_at timestamptz`,
  `ALTER TABLE customers.customers DROP CONSTRAINT customers_status_check`,
  `ALTER TABLE customers.customers ADD CONSTRAINT customers_status_check
     CHECK (status IN ('active', 'passive', 'erased')) NOT VALID`,
  `ALTER TABLE customers.customers ADD CONSTRAINT customers_erased_at_check
     CHECK ((status = 'erased') = (erased_at IS NOT NULL)) NOT VALID`,
  `ALTER TABLE customers.customers ADD CONSTRAINT customers_erased_shell_check
     CHECK (status <> 'erased' OR (
       first_name IS NULL AND last_name IS NULL AND company_name IS NULL AND business_id IS NULL
       AND phone IS NULL AND phone_raw IS NULL AND phone_national IS NULL AND email IS NULL
       AND addresses = '[]' AND notes IS NULL AND description IS NULL AND external_ids = '[]'
       AND group_ids = '{}' AND source_id IS NULL AND regular_of_user_id IS NULL
       AND discount_percent IS NULL AND name_day_month IS NULL AND name_day_day IS NULL
       AND birthday_enc IS NULL AND birthday_lookup IS NULL AND documents_enc IS NULL
       AND NOT internal AND NOT leasing_company AND leasing_company_id IS NULL
       AND vehicle_text IS NULL AND marketing_consents = 0)) NOT VALID`,
  `ALTER TABLE customers.customers VALIDATE CONSTRAINT customers_status_check`,
  `ALTER TABLE customers.customers VALIDATE CONSTRAINT customers_erased_at_check`,
  `ALTER TABLE customers.customers VALIDATE CONSTRAINT customers_erased_shell_check`,
];

const DOWN = [
  `ALTER TABLE customers.customers DROP CONSTRAINT customers_erased_shell_check`,
  `ALTER TABLE customers.customers DROP CONSTRAINT customers_erased_at_check`,
  `ALTER TABLE customers.customers DROP CONSTRAINT customers_status_check`,
  `ALTER TABLE customers.customers ADD CONSTRAINT customers_status_check
     CHECK (status IN ('active', 'passive'))`,
  `ALTER TABLE customers.customers DROP COLUMN erased_at`,
];

export class ErasedCustomers1766300000000 implements MigrationInterface {
  name = 'ErasedCustomers1766300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
