import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * The access audit: one row per access the gateway recorded (a card viewed, the customers a
 * search answered with, an edit) and per erasure this service began. Ids, a code and times only,
 * so an erased customer's rows stay as they are. Append-only: a trigger refuses every change,
 * deletion and truncation, and the runtime role lacks the privilege too (schema.ts appendOnly).
 */
const UP = [
  `CREATE TABLE privacy.access_log (
     tenant_id uuid NOT NULL,
     id uuid NOT NULL,
     at timestamptz NOT NULL,
     action text NOT NULL,
     user_id uuid NOT NULL,
     role text,
     station_id uuid,
     customer_ids uuid[] NOT NULL,
     correlation_id text,
     recorded_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (tenant_id, id),
     CHECK (action IN ('view', 'search', 'edit', 'erase', 'merge', 'export', 'handover')),
     CHECK (cardinality(customer_ids) > 0)
   )`,
  // A customer's access log: customer ids are UUIDs, unique across tenants.
  `CREATE INDEX access_log_customers_idx ON privacy.access_log USING gin (customer_ids)`,
  `CREATE INDEX access_log_user_idx ON privacy.access_log (tenant_id, user_id, id)`,

  `CREATE FUNCTION privacy.refuse_access_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     RAISE EXCEPTION 'privacy.access_log is append-only: % refused', TG_OP
       USING ERRCODE = 'insufficient_privilege';
   END $$`,
  `CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON privacy.access_log
     FOR EACH ROW EXECUTE FUNCTION privacy.refuse_access_log_change()`,
  `CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON privacy.access_log
     FOR EACH STATEMENT EXECUTE FUNCTION privacy.refuse_access_log_change()`,
];

const DOWN = ['DROP TABLE privacy.access_log', 'DROP FUNCTION privacy.refuse_access_log_change()'];

export class AccessLog1766710000000 implements MigrationInterface {
  name = 'AccessLog1766710000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
