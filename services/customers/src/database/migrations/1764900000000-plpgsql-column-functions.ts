import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * The functions that compute the customers table's generated columns and index keys, rewritten
 * in PL/pgSQL with the same results. As SQL functions that PostgreSQL cannot inline (a
 * sub-SELECT, or a STABLE function inside), each was parsed and planned again in every
 * statement that wrote a row: about a tenth of the machine's CPU during a run of creates. A
 * PL/pgSQL function is compiled once per connection and keeps its plans. The indexes and stored
 * columns stay valid: every function returns what it returned before (the column-functions
 * test runs both definitions side by side).
 */

/** The folded search text's fields, as the core migration wrote them. */
const SEARCH_TEXT_FIELDS = `coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' ||
       coalesce(company_name, '') || ' ' || coalesce(email, '') || ' ' ||
       coalesce(customer_number, '') || ' ' ||
       coalesce(regexp_replace(customer_number, '[^A-Za-z0-9]', '', 'g'), '') || ' ' ||
       coalesce(regexp_replace(phone, '[^0-9]', '', 'g'), '') || ' ' ||
       coalesce(phone_national, '') || ' ' ||
       coalesce((SELECT string_agg(e ->> 'id', ' ') FROM jsonb_array_elements(external_ids) e), '')`;

const SEARCH_TEXT_ARGUMENTS = `first_name text, last_name text, company_name text, email text,
       customer_number text, phone text, phone_national text, external_ids jsonb`;

const POSTAL_CODES = `SELECT coalesce(array_agg(DISTINCT upper(regexp_replace(a ->> 'postalCode', '\\s', '', 'g'))), '{}')
         FROM jsonb_array_elements(addresses) a
        WHERE coalesce(a ->> 'postalCode', '') <> ''`;

/**
 * The SQL definitions this migration replaces, each function named by `name` (the migration's
 * down restores them as `customers.<function>`; the test creates them beside the new ones).
 */
export function sqlColumnFunctions(name: (fn: string) => string): string[] {
  return [
    `CREATE OR REPLACE FUNCTION ${name('immutable_unaccent')}(text) RETURNS text
       LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
       AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$`,
    `CREATE OR REPLACE FUNCTION ${name('customer_search_text')}(${SEARCH_TEXT_ARGUMENTS})
       RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
       AS $$ SELECT customers.search_fold(${SEARCH_TEXT_FIELDS}) $$`,
    `CREATE OR REPLACE FUNCTION ${name('address_postal_codes')}(addresses jsonb) RETURNS text[]
       LANGUAGE sql IMMUTABLE PARALLEL SAFE
       AS $$ ${POSTAL_CODES} $$`,
    `CREATE OR REPLACE FUNCTION ${name('tenant_keys')}(tenant_id uuid, vals text[])
       RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
       AS $$ SELECT coalesce(array_agg(tenant_id::text || '/' || v), '{}') FROM unnest(vals) v $$`,
  ];
}

const UP = [
  `CREATE OR REPLACE FUNCTION customers.immutable_unaccent(text) RETURNS text
     LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT
     AS $$ BEGIN RETURN public.unaccent('public.unaccent'::regdictionary, $1); END $$`,
  `CREATE OR REPLACE FUNCTION customers.customer_search_text(${SEARCH_TEXT_ARGUMENTS})
     RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
     AS $$ BEGIN RETURN customers.search_fold(${SEARCH_TEXT_FIELDS}); END $$`,
  `CREATE OR REPLACE FUNCTION customers.address_postal_codes(addresses jsonb) RETURNS text[]
     LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
     AS $$ BEGIN RETURN (${POSTAL_CODES}); END $$`,
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

export class PlpgsqlColumnFunctions1764900000000 implements MigrationInterface {
  name = 'PlpgsqlColumnFunctions1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of sqlColumnFunctions((fn) => `customers.${fn}`)) await queryRunner.query(sql);
  }
}
