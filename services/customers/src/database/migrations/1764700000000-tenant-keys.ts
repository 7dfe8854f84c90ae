import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Array columns looked up within one tenant — stations (every worker's search), groups, postal
 * codes (duplicate detection) — were indexed as GIN (tenant_id, <array>). Postgres answers such
 * a lookup by intersecting the tenant's whole posting list (every customer of the tenant) with
 * the value's: 100–250 ms at a million customers. Keys that carry the tenant themselves
 * ("<tenant>/<value>") make each lookup one short posting list, and still never cross tenants.
 */
const UP = [
  `CREATE FUNCTION customers.tenant_keys(tenant_id uuid, vals text[])
     RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
     AS $$ SELECT coalesce(array_agg(tenant_id::text || '/' || v), '{}') FROM unnest(vals) v $$`,
  `CREATE INDEX customers_station_keys_idx ON customers.customers
     USING gin (customers.tenant_keys(tenant_id, station_ids::text[]))`,
  `CREATE INDEX customers_group_keys_idx ON customers.customers
     USING gin (customers.tenant_keys(tenant_id, group_ids::text[]))`,
  `CREATE INDEX customers_postal_keys_idx ON customers.customers
     USING gin (customers.tenant_keys(tenant_id, postal_codes))`,
  'DROP INDEX customers.customers_stations_idx',
  'DROP INDEX customers.customers_groups_idx',
  'DROP INDEX customers.customers_postal_codes_idx',
];

const DOWN = [
  `CREATE INDEX customers_postal_codes_idx ON customers.customers
     USING gin (tenant_id, postal_codes)`,
  `CREATE INDEX customers_groups_idx ON customers.customers USING gin (tenant_id, group_ids)`,
  `CREATE INDEX customers_stations_idx ON customers.customers USING gin (tenant_id, station_ids)`,
  'DROP INDEX customers.customers_postal_keys_idx',
  'DROP INDEX customers.customers_group_keys_idx',
  'DROP INDEX customers.customers_station_keys_idx',
  'DROP FUNCTION customers.tenant_keys(uuid, text[])',
];

export class TenantKeys1764700000000 implements MigrationInterface {
  name = 'TenantKeys1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
