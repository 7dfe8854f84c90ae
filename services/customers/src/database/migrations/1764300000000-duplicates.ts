import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Duplicate detection: the suggested pairs of a tenant and the state of its full scan.
 *
 * A pair is stored once, the lower customer id first. The pairs are kept up to date by every
 * create and key-field update (for that customer) and by the full scan (for data that arrived in
 * bulk). A dismissed pair stays, with who dismissed it, so neither path suggests it again. The
 * foreign keys cascade: a deleted customer's pairs go with it.
 */
const UP = [
  // How much each reason counts; a pair's score is the sum, capped at 1 (README: weights).
  `CREATE FUNCTION customers.duplicate_reason_weight(reason text, similarity real) RETURNS real
     LANGUAGE sql IMMUTABLE PARALLEL SAFE
     AS $$ SELECT (CASE reason
                     WHEN 'externalId' THEN 1.0
                     WHEN 'customerNumber' THEN 1.0
                     WHEN 'phone' THEN 0.6
                     WHEN 'email' THEN 0.6
                     WHEN 'nameAndBirthday' THEN 0.3 + 0.5 * similarity
                     WHEN 'nameAndPostalCode' THEN 0.1 + 0.5 * similarity
                     ELSE 0 END)::real $$`,

  `CREATE TABLE customers.duplicate_pairs (
     tenant_id uuid NOT NULL,
     customer_a uuid NOT NULL,
     customer_b uuid NOT NULL,
     reasons text[] NOT NULL,
     score real NOT NULL CHECK (score BETWEEN 0 AND 1),
     found_at timestamptz NOT NULL DEFAULT now(),
     dismissed_at timestamptz,
     dismissed_by uuid,
     PRIMARY KEY (tenant_id, customer_a, customer_b),
     CHECK (customer_a < customer_b),
     FOREIGN KEY (tenant_id, customer_a) REFERENCES customers.customers (tenant_id, id)
       ON DELETE CASCADE,
     FOREIGN KEY (tenant_id, customer_b) REFERENCES customers.customers (tenant_id, id)
       ON DELETE CASCADE
   )`,
  // The list: best score first, then ids, as a keyset (read backwards).
  `CREATE INDEX duplicate_pairs_list_idx
     ON customers.duplicate_pairs (tenant_id, score, customer_a, customer_b)
     WHERE dismissed_at IS NULL`,
  // A customer's pairs where it is the higher id (the primary key serves the lower).
  `CREATE INDEX duplicate_pairs_customer_b_idx
     ON customers.duplicate_pairs (tenant_id, customer_b)`,

  // The row is the truth of a scan's state; the BullMQ job is only its trigger.
  `CREATE TABLE customers.duplicate_scans (
     tenant_id uuid PRIMARY KEY,
     status text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed')),
     progress smallint NOT NULL DEFAULT 0,
     requested_at timestamptz NOT NULL DEFAULT now(),
     requested_by uuid,
     started_at timestamptz,
     finished_at timestamptz,
     pairs_found integer
   )`,
];

const DOWN = [
  'DROP TABLE customers.duplicate_scans',
  'DROP TABLE customers.duplicate_pairs',
  'DROP FUNCTION customers.duplicate_reason_weight(text, real)',
];

export class Duplicates1764300000000 implements MigrationInterface {
  name = 'Duplicates1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
