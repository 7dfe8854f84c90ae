import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@kanta/testing';

/*
 * The generated columns and index keys of customers.customers are computed by PL/pgSQL functions
 * since migration 1764900000000; before, by SQL functions. Stored values and index entries made
 * by either must agree, so the old definitions run here beside the new ones on awkward inputs.
 */
const OLD = [
  `CREATE FUNCTION pg_temp.old_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE STRICT
     AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$`,
  `CREATE FUNCTION pg_temp.old_search_text(
       first_name text, last_name text, company_name text, email text, customer_number text,
       phone text, phone_national text, external_ids jsonb)
     RETURNS text LANGUAGE sql IMMUTABLE
     AS $$ SELECT lower(pg_temp.old_unaccent(
       coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' ||
       coalesce(company_name, '') || ' ' || coalesce(email, '') || ' ' ||
       coalesce(customer_number, '') || ' ' ||
       coalesce(regexp_replace(customer_number, '[^A-Za-z0-9]', '', 'g'), '') || ' ' ||
       coalesce(regexp_replace(phone, '[^0-9]', '', 'g'), '') || ' ' ||
       coalesce(phone_national, '') || ' ' ||
       coalesce((SELECT string_agg(e ->> 'id', ' ') FROM jsonb_array_elements(external_ids) e), '')
     )) $$`,
  `CREATE FUNCTION pg_temp.old_postal_codes(addresses jsonb) RETURNS text[]
     LANGUAGE sql IMMUTABLE
     AS $$ SELECT coalesce(array_agg(DISTINCT upper(regexp_replace(a ->> 'postalCode', '\\s', '', 'g'))), '{}')
             FROM jsonb_array_elements(addresses) a
            WHERE coalesce(a ->> 'postalCode', '') <> '' $$`,
  `CREATE FUNCTION pg_temp.old_tenant_keys(tenant_id uuid, vals text[])
     RETURNS text[] LANGUAGE sql IMMUTABLE STRICT
     AS $$ SELECT coalesce(array_agg(tenant_id::text || '/' || v), '{}') FROM unnest(vals) v $$`,
];

const TENANT = '0190a1b2-0000-7000-8000-000000000001';

describe('the column functions in PL/pgSQL (real Postgres)', () => {
  let db: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await createTestDatabase('colfunctions');
    client = new Client(db.settings);
    await client.connect();
    for (const sql of OLD) await client.query(sql);
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  const same = async (oldCall: string, newCall: string, inputs: unknown[][]): Promise<void> => {
    for (const input of inputs) {
      const { rows } = await client.query<{ old: unknown; new: unknown }>(
        `SELECT ${oldCall} AS old, ${newCall} AS new`,
        input,
      );
      expect({ input, value: rows[0].new }).toEqual({ input, value: rows[0].old });
    }
  };

  it('are PL/pgSQL now', async () => {
    const { rows } = await client.query<{ proname: string; lanname: string }>(
      `SELECT p.proname, l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
        WHERE p.pronamespace = 'customers'::regnamespace
          AND p.proname IN ('immutable_unaccent', 'customer_search_text', 'address_postal_codes',
                            'tenant_keys')
        ORDER BY p.proname`,
    );
    expect(rows.map((r) => r.lanname)).toEqual(['plpgsql', 'plpgsql', 'plpgsql', 'plpgsql']);
  });

  it('fold text as before: accents, case, ligatures, NULL', async () => {
    await same('lower(pg_temp.old_unaccent($1))', 'customers.search_fold($1)', [
      ['Mäkinen'],
      ['WIŚNIEWSKI Łukasz'],
      ['Œuvre Ærø straße'],
      ['Юлія Коваленко'],
      [''],
      [null],
    ]);
  });

  it('make the same search text from every field', async () => {
    const call = (fn: string): string => `${fn}($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`;
    await same(call('pg_temp.old_search_text'), call('customers.customer_search_text'), [
      ['Matti', 'Mäkinen', null, 'matti@example.test', 'A-12/3', '+358 40 123', '040 123', '[]'],
      [
        null,
        null,
        'Société Générale',
        null,
        null,
        null,
        null,
        '[{"system":"dms","id":"D-1"},{"system":"pos","id":"P 2"}]',
      ],
      [null, null, null, null, null, null, null, null],
      ['', '', '', '', '', '', '', '[]'],
    ]);
  });

  it('collect the same postal codes: spaces, case, duplicates, missing', async () => {
    await same('pg_temp.old_postal_codes($1::jsonb)', 'customers.address_postal_codes($1::jsonb)', [
      ['[{"type":"home","postalCode":"00 100"},{"type":"work","postalCode":"00100"}]'],
      ['[{"type":"home","postalCode":"sw1a 1aa"},{"type":"postal","postalCode":"75001"}]'],
      ['[{"type":"home"},{"type":"work","postalCode":""}]'],
      ['[]'],
      [null],
    ]);
  });

  it('make the same tenant keys, NULL elements and empty arrays included', async () => {
    await same('pg_temp.old_tenant_keys($1, $2)', 'customers.tenant_keys($1, $2)', [
      [TENANT, ['a', 'b']],
      [TENANT, []],
      [TENANT, ['x', null]],
      [TENANT, null],
      [null, ['a']],
    ]);
  });
});
