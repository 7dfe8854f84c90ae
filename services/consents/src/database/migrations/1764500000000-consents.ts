import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Consent texts, the consent ledger, communication preferences, and the projection of customers
 * the service learns from customer events.
 *
 * The ledger is append-only by construction: a trigger refuses every UPDATE and every DELETE,
 * whoever connects. Only erasure (a later issue) may remove a customer's entries, and it must
 * say so in its transaction (`SET LOCAL consents.erasure = 'on'`), which no endpoint does.
 * Texts are immutable the same way: a new text is a new version.
 */
const UP = [
  `CREATE TABLE consents.customers (
     tenant_id uuid NOT NULL,
     customer_id uuid NOT NULL,
     station_ids uuid[] NOT NULL DEFAULT '{}',
     status text NOT NULL,
     has_email boolean NOT NULL DEFAULT false,
     has_phone boolean NOT NULL DEFAULT false,
     version integer NOT NULL,
     PRIMARY KEY (tenant_id, customer_id)
   )`,

  `CREATE TABLE consents.consent_texts (
     tenant_id uuid NOT NULL,
     id uuid NOT NULL,
     purpose text NOT NULL,
     locale text NOT NULL,
     version integer NOT NULL,
     title text,
     body text NOT NULL,
     content_hash text NOT NULL,
     published_at timestamptz NOT NULL DEFAULT now(),
     published_by uuid NOT NULL,
     PRIMARY KEY (tenant_id, id),
     CONSTRAINT consent_texts_version_unique UNIQUE (tenant_id, purpose, locale, version)
   )`,
  `CREATE INDEX consent_texts_purpose_idx ON consents.consent_texts (tenant_id, purpose, published_at)`,

  `CREATE TABLE consents.ledger (
     tenant_id uuid NOT NULL,
     id uuid NOT NULL,
     customer_id uuid NOT NULL,
     purpose text NOT NULL,
     decision text NOT NULL CHECK (decision IN ('granted', 'withdrawn')),
     text_id uuid NOT NULL,
     source text NOT NULL,
     recorded_by_user uuid,
     recorded_by_partner text,
     recorded_at timestamptz NOT NULL DEFAULT now(),
     evidence jsonb,
     PRIMARY KEY (tenant_id, id),
     FOREIGN KEY (tenant_id, text_id) REFERENCES consents.consent_texts (tenant_id, id),
     CHECK ((recorded_by_user IS NULL) <> (recorded_by_partner IS NULL))
   )`,
  // The current decision of a customer per purpose is the newest entry (ids are UUIDv7).
  `CREATE INDEX ledger_customer_idx ON consents.ledger (tenant_id, customer_id, purpose, id DESC)`,

  `CREATE FUNCTION consents.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'ledger'
        AND current_setting('consents.erasure', true) = 'on' THEN
       RETURN OLD;
     END IF;
     RAISE EXCEPTION 'consents.% is append-only: % refused', TG_TABLE_NAME, TG_OP
       USING ERRCODE = 'insufficient_privilege';
   END $$`,
  `CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON consents.ledger
     FOR EACH ROW EXECUTE FUNCTION consents.refuse_change()`,
  `CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON consents.ledger
     FOR EACH STATEMENT EXECUTE FUNCTION consents.refuse_change()`,
  `CREATE TRIGGER texts_immutable BEFORE UPDATE OR DELETE ON consents.consent_texts
     FOR EACH ROW EXECUTE FUNCTION consents.refuse_change()`,

  `CREATE TABLE consents.preferences (
     tenant_id uuid NOT NULL,
     customer_id uuid NOT NULL,
     blocked boolean NOT NULL DEFAULT false,
     preferred_channel text NOT NULL DEFAULT 'none'
       CHECK (preferred_channel IN ('email', 'sms', 'phone', 'none')),
     service_notifications boolean NOT NULL DEFAULT true,
     version integer NOT NULL DEFAULT 1,
     updated_at timestamptz NOT NULL DEFAULT now(),
     updated_by_user uuid,
     updated_by_partner text,
     PRIMARY KEY (tenant_id, customer_id)
   )`,
];

const DOWN = [
  'DROP TABLE consents.preferences',
  'DROP TABLE consents.ledger',
  'DROP TABLE consents.consent_texts',
  'DROP FUNCTION consents.refuse_change()',
  'DROP TABLE consents.customers',
];

export class Consents1764500000000 implements MigrationInterface {
  name = 'Consents1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
