import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * The functions that compute the customers table's generated columns and index keys, rewritten
 * in PL/pgSQL with the same results. As SQL functions that PostgreSQL cannot inline (a
 * sub-SELECT, or a STABLE function inside), each was parsed and planned again in every
 * statement that wrote a row: about a tenth of the machine's CPU during a run of creates. A
 * PL/pgSQL function is compiled once per connection and keeps its plans. The indexes and stored
 * columns stay valid: every function returns what it returned before.
 */
const UP = [
  `CREATE OR REPLACE FUNCTION customers.immutable_unaccent(text) RETURNS text
     LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT
     AS $$ BEGIN RETURN public.unaccent('public.unaccent'::regdictionary, $1); END $$`,
  `CREATE OR REPLACE FUNCTION customers.customer_search_text(
       first_name text, last_name text, company_name text, email text, customer_number text,
       phone text, phone_national text, external_ids jsonb)
     RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
     AS $$ BEGIN RETURN customers.search_fold(
       coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' ||
       coalesce(company_name, '') || ' ' || coalesce(email, '') || ' ' ||
       coalesce(customer_number, '') || ' ' ||
       coalesce(regexp_replace(customer_number, '[^A-Za-z0-9]', '', 'g'), '') || ' ' ||
       coalesce(regexp_replace(phone, '[^0-9]', '', 'g'), '') || ' ' ||
       coalesce(phone_national, '') || ' ' ||
       coalesce((SELECT string_agg(e ->> 'id', ' ') FROM jsonb_array_elements(external_ids) e), '')
     ); END $$`,
  `CREATE OR REPLACE FUNCTION customers.address_postal_codes(addresses jsonb) RETURNS text[]
     LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
     AS $$ BEGIN RETURN (
       SELECT coalesce(array_agg(DISTINCT upper(regexp_replace(a ->> 'postalCode', '\\s', '', 'g'))), '{}')
         FROM jsonb_array_elements(addresses) a
        WHERE coalesce(a ->> 'postalCode', '') <> ''); END $$`,
  `CREATE OR REPLACE FUNCTION customers.tenant_keys(tenant_id uuid, vals text[])
     RETURNS text[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT
     AS $$ DECLARE keys text[] := '{}'; v text;
     BEGIN
       FOREACH v IN ARRAY vals LOOP
         keys := keys || (tenant_id::text || '/' || v);
       END LOOP;
       RETURN keys;
     END $$`,
];

const DOWN = [
  `CREATE OR REPLACE FUNCTION customers.tenant_keys(tenant_id uuid, vals text[])
     RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
     AS $$ SELECT coalesce(array_agg(tenant_id::text || '/' || v), '{}') FROM unnest(vals) v $$`,
  `CREATE OR REPLACE FUNCTION customers.address_postal_codes(addresses jsonb) RETURNS text[]
     LANGUAGE sql IMMUTABLE PARALLEL SAFE
     AS $$ SELECT coalesce(array_agg(DISTINCT upper(regexp_replace(a ->> 'postalCode', '\\s', '', 'g'))), '{}')
             FROM jsonb_array_elements(addresses) a
            WHERE coalesce(a ->> 'postalCode', '') <> '' $$`,
  `CREATE OR REPLACE FUNCTION customers.customer_search_text(
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
  `CREATE OR REPLACE FUNCTION customers.immutable_unaccent(text) RETURNS text
     LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
     AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$`,
];

export class PlpgsqlColumnFunctions1764900000000 implements MigrationInterface {
  name = 'PlpgsqlColumnFunctions1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
