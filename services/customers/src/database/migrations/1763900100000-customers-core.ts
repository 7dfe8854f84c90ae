import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * The customers core. Every table carries tenant_id and every index starts with it, so a query
 * can only ever walk one tenant's part of an index.
 *
 * search_text is a generated column: whoever writes a row (the service, an import,
 * a bulk COPY) cannot forget to maintain them, and the SQL that computes them lives in one place.
 * unaccent() is only STABLE (its dictionary could change), which Postgres refuses in an index or
 * a generated column; the wrapper pins the dictionary and declares itself IMMUTABLE, the usual
 * and accepted way to index unaccented text. The extensions live in `public`, created once by
 * libs/database, never here.
 */
const UP = [
  `CREATE FUNCTION customers.immutable_unaccent(text) RETURNS text
     LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
     AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$`,

  // How search text and search words are folded: the same function on both sides of LIKE.
  `CREATE FUNCTION customers.search_fold(text) RETURNS text
     LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
     AS $$ SELECT lower(customers.immutable_unaccent($1)) $$`,

  `CREATE FUNCTION customers.customer_search_text(
       first_name text, last_name text, company_name text, email text, customer_number text,
       phone text, phone_national text, external_ids jsonb)
     RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
     AS $$ SELECT customers.search_fold(
       coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' ||
       coalesce(company_name, '') || ' ' || coalesce(email, '') || ' ' ||
       coalesce(customer_number, '') || ' ' ||
       coalesce(regexp_replace(customer_number, '[^A-Za-z0-9]', '', 'g'), '') || ' ' ||
       coalesce(regexp_replace(phone, '[^0-9]', '', 'g'), '') || ' ' ||
       coalesce(phone_national, '') || ' ' ||
       coalesce((SELECT string_agg(e ->> 'id', ' ') FROM jsonb_array_elements(external_ids) e), '')
     ) $$`,

  `CREATE TABLE customers.customers (
     tenant_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     kind text NOT NULL DEFAULT 'person' CHECK (kind IN ('person', 'company')),
     first_name text,
     last_name text,
     company_name text,
     business_id text,
     phone text,
     phone_raw text,
     phone_national text,
     email text,
     addresses jsonb NOT NULL DEFAULT '[]',
     notes text,
     status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'passive')),
     customer_number text NOT NULL,
     station_ids uuid[] NOT NULL DEFAULT '{}',
     origin text NOT NULL DEFAULT 'reception'
       CHECK (origin IN ('reception', 'online_booking', 'kiosk', 'pos', 'import', 'api')),
     external_ids jsonb NOT NULL DEFAULT '[]',
     version integer NOT NULL DEFAULT 1,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     search_text text GENERATED ALWAYS AS (customers.customer_search_text(
       first_name, last_name, company_name, email, customer_number, phone, phone_national,
       external_ids)) STORED,
     PRIMARY KEY (tenant_id, id),
     CONSTRAINT customers_number_unique UNIQUE (tenant_id, customer_number)
   )`,
  `CREATE INDEX customers_created_idx ON customers.customers (tenant_id, created_at)`,
  `CREATE INDEX customers_search_idx ON customers.customers
     USING gin (tenant_id, search_text public.gin_trgm_ops)`,
  `CREATE INDEX customers_stations_idx ON customers.customers USING gin (tenant_id, station_ids)`,

  // The uniqueness of external ids; customers.external_ids is the copy that reads and search use.
  `CREATE TABLE customers.customer_external_ids (
     tenant_id uuid NOT NULL,
     system text NOT NULL,
     external_id text NOT NULL,
     customer_id uuid NOT NULL,
     PRIMARY KEY (tenant_id, system, external_id),
     FOREIGN KEY (tenant_id, customer_id) REFERENCES customers.customers (tenant_id, id)
       ON DELETE CASCADE
   )`,
  `CREATE INDEX customer_external_ids_customer_idx
     ON customers.customer_external_ids (tenant_id, customer_id)`,

  /*
   * Customer numbers come from one sequence per tenant, created on the tenant's first customer.
   * nextval() takes no row lock and is not rolled back, so concurrent creates never queue behind
   * each other's commits (a counter row did, and capped creates at a few hundred a second); a
   * create that fails after taking a number leaves a gap, which is accepted. A number already
   * taken by hand (or by an import) is skipped.
   */
  `CREATE FUNCTION customers.customer_number_sequence(p_tenant uuid) RETURNS regclass
     LANGUAGE plpgsql AS $$
     DECLARE name text := 'customers.customer_number_' || replace(p_tenant::text, '-', '');
     BEGIN
       IF to_regclass(name) IS NULL THEN
         BEGIN
           EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %s', name);
         EXCEPTION WHEN unique_violation OR duplicate_table THEN
           NULL; -- another create made it at the same moment
         END;
       END IF;
       RETURN name::regclass;
     END $$`,
  `CREATE FUNCTION customers.allocate_customer_number(p_tenant uuid) RETURNS text
     LANGUAGE plpgsql AS $$
     DECLARE seq regclass := customers.customer_number_sequence(p_tenant); n bigint;
     BEGIN
       LOOP
         n := nextval(seq);
         EXIT WHEN NOT EXISTS (
           SELECT 1 FROM customers.customers
            WHERE tenant_id = p_tenant AND customer_number = n::text);
       END LOOP;
       RETURN n::text;
     END $$`,

  `CREATE TABLE customers.tenant_field_rules (
     tenant_id uuid PRIMARY KEY,
     rules jsonb NOT NULL,
     updated_at timestamptz NOT NULL DEFAULT now(),
     updated_by uuid
   )`,

  `CREATE TABLE customers.idempotency_keys (
     tenant_id uuid NOT NULL,
     key text NOT NULL,
     fingerprint text NOT NULL,
     customer_id uuid NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (tenant_id, key)
   )`,
  `CREATE INDEX idempotency_keys_created_idx ON customers.idempotency_keys (tenant_id, created_at)`,
];

const DOWN = [
  'DROP TABLE customers.idempotency_keys',
  'DROP TABLE customers.tenant_field_rules',
  'DROP FUNCTION customers.allocate_customer_number(uuid)',
  'DROP FUNCTION customers.customer_number_sequence(uuid)',
  'DROP TABLE customers.customer_external_ids',
  'DROP TABLE customers.customers',
  'DROP FUNCTION customers.customer_search_text(text, text, text, text, text, text, text, jsonb)',
  'DROP FUNCTION customers.search_fold(text)',
  'DROP FUNCTION customers.immutable_unaccent(text)',
];

export class CustomersCore1763900100000 implements MigrationInterface {
  name = 'CustomersCore1763900100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
