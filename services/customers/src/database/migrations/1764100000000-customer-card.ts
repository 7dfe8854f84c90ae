import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * The complete customer card: groups and sources (tenant-defined lists), whose regular customer,
 * discount, description, name day, the encrypted sensitive fields, the internal and leasing
 * flags, and the columns duplicate detection looks candidates up by.
 *
 * Birthday and identity documents are encrypted by the service before they reach SQL
 * (birthday_enc, documents_enc): a dump, a replica or a log of statements never holds them in
 * clear. birthday_lookup is a keyed hash (HMAC) of the birthday, so duplicates can be matched on
 * it without decrypting anything and without the value being guessable from the database alone.
 */
const UP = [
  // Groups and sources are both named entries of a tenant-defined list.
  `CREATE TABLE customers.customer_labels (
     tenant_id uuid NOT NULL,
     id uuid NOT NULL,
     list text NOT NULL CHECK (list IN ('group', 'source')),
     name text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (tenant_id, id)
   )`,
  `CREATE UNIQUE INDEX customer_labels_name_unique
     ON customers.customer_labels (tenant_id, list, customers.search_fold(name))`,

  // The postal codes of a customer's addresses, compared without spaces and case.
  `CREATE FUNCTION customers.address_postal_codes(addresses jsonb) RETURNS text[]
     LANGUAGE sql IMMUTABLE PARALLEL SAFE
     AS $$ SELECT coalesce(array_agg(DISTINCT upper(regexp_replace(a ->> 'postalCode', '\\s', '', 'g'))), '{}')
             FROM jsonb_array_elements(addresses) a
            WHERE coalesce(a ->> 'postalCode', '') <> '' $$`,

  `ALTER TABLE customers.customers
     ADD COLUMN description text,
     ADD COLUMN group_ids uuid[] NOT NULL DEFAULT '{}',
     ADD COLUMN source_id uuid,
     ADD COLUMN regular_of_user_id uuid,
     ADD COLUMN discount_percent numeric(5, 2)
       CHECK (discount_percent BETWEEN 0 AND 100),
     ADD COLUMN name_day_month smallint CHECK (name_day_month BETWEEN 1 AND 12),
     ADD COLUMN name_day_day smallint CHECK (name_day_day BETWEEN 1 AND 31),
     ADD COLUMN birthday_enc bytea,
     ADD COLUMN birthday_lookup bytea,
     ADD COLUMN documents_enc bytea,
     ADD COLUMN internal boolean NOT NULL DEFAULT false,
     ADD COLUMN leasing_company boolean NOT NULL DEFAULT false,
     ADD COLUMN leasing_company_id text,
     ADD CONSTRAINT customers_name_day_pair
       CHECK ((name_day_month IS NULL) = (name_day_day IS NULL)),
     ADD CONSTRAINT customers_leasing_company_kind
       CHECK (NOT leasing_company OR kind = 'company'),
     ADD COLUMN name_fold text GENERATED ALWAYS AS (customers.search_fold(
       CASE WHEN kind = 'company' THEN coalesce(company_name, '')
            ELSE btrim(coalesce(first_name, '') || ' ' || coalesce(last_name, '')) END)) STORED,
     ADD COLUMN postal_codes text[] GENERATED ALWAYS AS
       (customers.address_postal_codes(addresses)) STORED`,

  `CREATE INDEX customers_groups_idx ON customers.customers USING gin (tenant_id, group_ids)`,
  `CREATE INDEX customers_source_idx ON customers.customers (tenant_id, source_id)
     WHERE source_id IS NOT NULL`,
  `CREATE INDEX customers_regular_of_idx ON customers.customers (tenant_id, regular_of_user_id)
     WHERE regular_of_user_id IS NOT NULL`,
  `CREATE INDEX customers_leasing_idx ON customers.customers (tenant_id) WHERE leasing_company`,
  `CREATE INDEX customers_internal_idx ON customers.customers (tenant_id) WHERE internal`,
  // Exact business keys that duplicate detection looks up.
  `CREATE INDEX customers_phone_idx ON customers.customers (tenant_id, phone)
     WHERE phone IS NOT NULL`,
  `CREATE INDEX customers_email_idx ON customers.customers (tenant_id, email)
     WHERE email IS NOT NULL`,
  `CREATE INDEX customers_birthday_idx ON customers.customers (tenant_id, birthday_lookup)
     WHERE birthday_lookup IS NOT NULL`,
  `CREATE INDEX customers_postal_codes_idx ON customers.customers
     USING gin (tenant_id, postal_codes)`,
];

const DOWN = [
  'DROP INDEX customers.customers_postal_codes_idx',
  'DROP INDEX customers.customers_birthday_idx',
  'DROP INDEX customers.customers_email_idx',
  'DROP INDEX customers.customers_phone_idx',
  'DROP INDEX customers.customers_internal_idx',
  'DROP INDEX customers.customers_leasing_idx',
  'DROP INDEX customers.customers_regular_of_idx',
  'DROP INDEX customers.customers_source_idx',
  'DROP INDEX customers.customers_groups_idx',
  `ALTER TABLE customers.customers
     DROP COLUMN postal_codes, DROP COLUMN name_fold,
     DROP CONSTRAINT customers_leasing_company_kind, DROP CONSTRAINT customers_name_day_pair,
     DROP COLUMN leasing_company_id, DROP COLUMN leasing_company, DROP COLUMN internal,
     DROP COLUMN documents_enc, DROP COLUMN birthday_lookup, DROP COLUMN birthday_enc,
     DROP COLUMN name_day_day, DROP COLUMN name_day_month, DROP COLUMN discount_percent,
     DROP COLUMN regular_of_user_id, DROP COLUMN source_id, DROP COLUMN group_ids,
     DROP COLUMN description`,
  'DROP FUNCTION customers.address_postal_codes(jsonb)',
  'DROP TABLE customers.customer_labels',
];

export class CustomerCard1764100000000 implements MigrationInterface {
  name = 'CustomerCard1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
