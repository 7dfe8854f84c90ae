import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * The plates and VINs of each customer's vehicles, learnt from the vehicles service's events, so
 * customer search finds a customer by plate or VIN. customer_vehicles is the projection (one row
 * per vehicle and linked customer); vehicle_text on the customer row is what search reads: the
 * normalised plates and VINs, folded, with its own trigram index (partial: most customers have
 * no vehicle), so a search word matches `search_text OR vehicle_text` as a BitmapOr of two index
 * scans. Adding a nullable column is instant, and search_text (a generated column) is untouched.
 */
const UP = [
  // A word as plate/VIN search compares it: folded, without the separators people type.
  `CREATE FUNCTION customers.vehicle_fold(text) RETURNS text
     LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
     AS $$ SELECT regexp_replace(customers.search_fold($1), '[[:space:].-]', '', 'g') $$`,
  `ALTER TABLE customers.customers ADD COLUMN vehicle_text text`,
  `CREATE INDEX customers_vehicle_text_idx ON customers.customers
     USING gin (tenant_id, vehicle_text public.gin_trgm_ops) WHERE vehicle_text IS NOT NULL`,
  `CREATE TABLE customers.vehicle_versions (
     tenant_id uuid NOT NULL,
     vehicle_id uuid NOT NULL,
     version integer NOT NULL,
     PRIMARY KEY (tenant_id, vehicle_id)
   )`,
  `CREATE TABLE customers.customer_vehicles (
     tenant_id uuid NOT NULL,
     vehicle_id uuid NOT NULL,
     customer_id uuid NOT NULL,
     registration text NOT NULL,
     vin text,
     PRIMARY KEY (tenant_id, vehicle_id, customer_id)
   )`,
  `CREATE INDEX customer_vehicles_customer_idx
     ON customers.customer_vehicles (tenant_id, customer_id)`,
];

const DOWN = [
  'DROP TABLE customers.customer_vehicles',
  'DROP TABLE customers.vehicle_versions',
  'DROP INDEX customers.customers_vehicle_text_idx',
  'ALTER TABLE customers.customers DROP COLUMN vehicle_text',
  'DROP FUNCTION customers.vehicle_fold(text)',
];

export class VehicleSearch1764400000000 implements MigrationInterface {
  name = 'VehicleSearch1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
