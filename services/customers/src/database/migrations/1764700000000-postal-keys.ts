import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Duplicate detection looks up customers of one tenant sharing a postal code. A GIN index on
 * (tenant_id, postal_codes) answers that by intersecting the tenant's whole posting list (every
 * customer of the tenant) with the code's: 100 ms at a million customers. Keys that carry the
 * tenant themselves ("<tenant>/<code>") make the lookup one short posting list.
 */
const UP = [
  `CREATE FUNCTION customers.tenant_postal_keys(tenant_id uuid, postal_codes text[])
     RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
     AS $$ SELECT coalesce(array_agg(tenant_id::text || '/' || code), '{}')
             FROM unnest(postal_codes) code $$`,
  `CREATE INDEX customers_postal_keys_idx ON customers.customers
     USING gin (customers.tenant_postal_keys(tenant_id, postal_codes))`,
  'DROP INDEX customers.customers_postal_codes_idx',
];

const DOWN = [
  `CREATE INDEX customers_postal_codes_idx ON customers.customers
     USING gin (tenant_id, postal_codes)`,
  'DROP INDEX customers.customers_postal_keys_idx',
  'DROP FUNCTION customers.tenant_postal_keys(uuid, text[])',
];

export class PostalKeys1764700000000 implements MigrationInterface {
  name = 'PostalKeys1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
