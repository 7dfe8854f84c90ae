import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@kanta/testing';

import type { QueryRunner } from 'typeorm';
import {
  PlpgsqlColumnFunctions1764900000000,
  sqlColumnFunctions,
} from '../src/database/migrations/1764900000000-plpgsql-column-functions';

/*
 * The generated columns and index keys of customers.customers are computed by PL/pgSQL functions
 * since migration 1764900000000; before, by SQL functions. Stored values and index entries made
 * by either must agree, so the old definitions (as the migration's down restores them) run here
 * beside the new ones on awkward inputs.
 */
const old = (fn: string): string => `pg_temp.old_${fn}`;

const TENANT = '0190a1b2-0000-7000-8000-000000000001';

describe('the column functions in PL/pgSQL (real Postgres)', () => {
  let db: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await createTestDatabase('colfunctions');
    client = new Client(db.settings);
    await client.connect();
    for (const sql of sqlColumnFunctions(old)) await client.query(sql);
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

  const languages = async (): Promise<string[]> => {
    const { rows } = await client.query<{ proname: string; lanname: string }>(
      `SELECT p.proname, l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
        WHERE p.pronamespace = 'customers'::regnamespace
          AND p.proname IN ('immutable_unaccent', 'customer_search_text', 'address_postal_codes',
                            'tenant_keys')
        ORDER BY p.proname`,
    );
    return rows.map((r) => r.lanname);
  };

  it('are PL/pgSQL now, and SQL again after the migration is undone', async () => {
    expect(await languages()).toEqual(['plpgsql', 'plpgsql', 'plpgsql', 'plpgsql']);
    const migration = new PlpgsqlColumnFunctions1764900000000();
    const runner = { query: (sql: string) => client.query(sql) } as unknown as QueryRunner;
    await migration.down(runner);
    expect(await languages()).toEqual(['sql', 'sql', 'sql', 'sql']);
    await migration.up(runner);
    expect(await languages()).toEqual(['plpgsql', 'plpgsql', 'plpgsql', 'plpgsql']);
  });

  it('unaccent as before: accents, ligatures, Cyrillic, NULL', async () => {
    await same(`${old('immutable_unaccent')}($1)`, 'customers.immutable_unaccent($1)', [
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
    await same(call(old('customer_search_text')), call('customers.customer_search_text'), [
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
    await same(
      `${old('address_postal_codes')}($1::jsonb)`,
      'customers.address_postal_codes($1::jsonb)',
      [
        ['[{"type":"home","postalCode":"00 100"},{"type":"work","postalCode":"00100"}]'],
        ['[{"type":"home","postalCode":"sw1a 1aa"},{"type":"postal","postalCode":"75001"}]'],
        ['[{"type":"home"},{"type":"work","postalCode":""}]'],
        ['[]'],
        [null],
      ],
    );
  });

  it('make the same tenant keys, NULL elements and empty arrays included', async () => {
    await same(`${old('tenant_keys')}($1, $2)`, 'customers.tenant_keys($1, $2)', [
      [TENANT, ['a', 'b']],
      [TENANT, []],
      [TENANT, ['x', null]],
      [TENANT, null],
      [null, ['a']],
    ]);
  });
});
