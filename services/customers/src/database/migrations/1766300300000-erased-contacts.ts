import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Tombstones of an erased customer's contact identifiers (phone, e-mail, external ids), as keyed
 * hashes (HMAC with CUSTOMERS_LOOKUP_KEY, never the values): a partner event made before the
 * erasure but handled after it (a retry, a broker outage, a dead letter replayed) resolves to the
 * erased shell, whose services drop its values, instead of making the person again as a new
 * customer. Kept EVENTS_WAIT_RETENTION_DAYS, then deleted by the outbox relay's clean-up.
 */
const UP = [
  `CREATE TABLE customers.erased_contacts (
     tenant_id uuid NOT NULL,
     key_hash bytea NOT NULL,
     customer_id uuid NOT NULL,
     erased_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (tenant_id, key_hash)
   )`,
  'CREATE INDEX erased_contacts_erased_at_idx ON customers.erased_contacts (erased_at)',
];

const DOWN = ['DROP TABLE customers.erased_contacts'];

export class ErasedContacts1766300300000 implements MigrationInterface {
  name = 'ErasedContacts1766300300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
