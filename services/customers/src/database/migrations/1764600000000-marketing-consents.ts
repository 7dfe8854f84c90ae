import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * What the customers service keeps of the consents service's ledger: the current e-mail and SMS
 * marketing decisions, so search can filter by them. `customer_marketing_consents` holds the
 * newest decision per purpose (by ledger entry id, so events may arrive in any order);
 * `customers.marketing_consents` is their sum as bits (1 e-mail, 2 SMS) that search filters on.
 */
const UP = [
  `CREATE TABLE customers.customer_marketing_consents (
     tenant_id uuid NOT NULL,
     customer_id uuid NOT NULL,
     purpose text NOT NULL CHECK (purpose IN ('marketing_email', 'marketing_sms')),
     granted boolean NOT NULL,
     entry_id uuid NOT NULL,
     PRIMARY KEY (tenant_id, customer_id, purpose)
   )`,
  `ALTER TABLE customers.customers
     ADD COLUMN marketing_consents smallint NOT NULL DEFAULT 0
       CHECK (marketing_consents BETWEEN 0 AND 3)`,
  `CREATE INDEX customers_marketing_consents_idx
     ON customers.customers (tenant_id, marketing_consents) WHERE marketing_consents > 0`,
];

const DOWN = [
  'DROP INDEX customers.customers_marketing_consents_idx',
  'ALTER TABLE customers.customers DROP COLUMN marketing_consents',
  'DROP TABLE customers.customer_marketing_consents',
];

export class MarketingConsents1764600000000 implements MigrationInterface {
  name = 'MarketingConsents1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
