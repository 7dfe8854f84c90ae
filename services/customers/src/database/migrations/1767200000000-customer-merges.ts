import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Merged customers (issue #14): a duplicate merged into another customer keeps its row as it was
 * (status 'merged', merged_into the survivor) so the merge can be undone. `customer_merges`
 * remembers what each merge moved here, for its undo: the survivor's fields it filled from the
 * duplicate (names), the union elements the survivor gained (group and station ids as ids;
 * addresses, documents and external ids as SHA-256 hashes of their canonical JSON, never their
 * values) and the ids of the rows moved (reminders, vehicles, consent purposes). No personal value.
 *
 * `customers.merge_chain_end` follows merged_into to the customer a merged one lives on as (A
 * into B, then B into C: C), at most 32 steps. Duplicate pairs get an id of their own, so a
 * suggested pair can be merged by it; a merge keeps the id of the pair of its two customers
 * (`pair_id`, the pair itself is deleted), so the pair still names them when asked again.
 */
const UP = [
  `ALTER TABLE customers.customers ADD COLUMN merged_into uuid`,
  `ALTER TABLE customers.customers DROP CONSTRAINT customers_status_check`,
  `ALTER TABLE customers.customers ADD CONSTRAINT customers_status_check
     CHECK (status IN ('active', 'passive', 'erased', 'merged')) NOT VALID`,
  `ALTER TABLE customers.customers ADD CONSTRAINT customers_merged_into_check
     CHECK ((status = 'merged') = (merged_into IS NOT NULL)) NOT VALID`,
  `ALTER TABLE customers.customers VALIDATE CONSTRAINT customers_status_check`,
  `ALTER TABLE customers.customers VALIDATE CONSTRAINT customers_merged_into_check`,
  `CREATE FUNCTION customers.merge_chain_end(p_tenant uuid, p_id uuid) RETURNS uuid
     LANGUAGE sql STABLE AS $$
       WITH RECURSIVE chain (id, merged_into, depth) AS (
         SELECT id, merged_into, 0 FROM customers.customers
          WHERE tenant_id = p_tenant AND id = p_id
         UNION ALL
         SELECT c.id, c.merged_into, chain.depth + 1
           FROM chain JOIN customers.customers c
             ON c.tenant_id = p_tenant AND c.id = chain.merged_into
          WHERE chain.depth < 32
       )
       SELECT id FROM chain ORDER BY depth DESC LIMIT 1
     $$`,
  `CREATE TABLE customers.customer_merges (
     tenant_id uuid NOT NULL,
     merge_id uuid NOT NULL,
     survivor_id uuid NOT NULL,
     duplicate_id uuid NOT NULL,
     duplicate_status text NOT NULL,
     taken_fields text[] NOT NULL DEFAULT '{}',
     conflicts text[] NOT NULL DEFAULT '{}',
     added jsonb NOT NULL DEFAULT '{}',
     moved jsonb NOT NULL DEFAULT '{}',
     pair_id uuid,
     merged_at timestamptz NOT NULL DEFAULT now(),
     undone_at timestamptz,
     PRIMARY KEY (tenant_id, merge_id)
   )`,
  `CREATE INDEX customer_merges_survivor_idx ON customers.customer_merges (tenant_id, survivor_id)`,
  `CREATE INDEX customer_merges_duplicate_idx ON customers.customer_merges (tenant_id, duplicate_id)`,
  `CREATE INDEX customer_merges_pair_idx ON customers.customer_merges (tenant_id, pair_id)
     WHERE pair_id IS NOT NULL`,
  `ALTER TABLE customers.duplicate_pairs ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid()`,
  `CREATE UNIQUE INDEX duplicate_pairs_id_idx ON customers.duplicate_pairs (tenant_id, id)`,
];

const DOWN = [
  'DROP INDEX customers.duplicate_pairs_id_idx',
  'ALTER TABLE customers.duplicate_pairs DROP COLUMN id',
  'DROP TABLE customers.customer_merges',
  'DROP FUNCTION customers.merge_chain_end(uuid, uuid)',
  `ALTER TABLE customers.customers DROP CONSTRAINT customers_merged_into_check`,
  `ALTER TABLE customers.customers DROP CONSTRAINT customers_status_check`,
  `ALTER TABLE customers.customers ADD CONSTRAINT customers_status_check
     CHECK (status IN ('active', 'passive', 'erased'))`,
  `ALTER TABLE customers.customers DROP COLUMN merged_into`,
];

export class CustomerMerges1767200000000 implements MigrationInterface {
  name = 'CustomerMerges1767200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
