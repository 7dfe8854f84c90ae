import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Customer merges (issue #14), recorded without rewriting the ledger.
 *
 * `customer_merges`: one row per merge of a duplicate into a survivor — ids, times, and what the
 * undo needs to put back: the survivor's preferences before the merge (switches, no contact data;
 * cleared by an erasure of the survivor) and the preferences version the merge left. While the
 * row is not undone, the survivor's consent history includes the duplicate's entries.
 *
 * The ledger gains two sources the service writes itself, never a caller: `merge` (the survivor
 * takes the duplicate's newer decision of a purpose) and `merge_undo` (the undo restores the
 * survivor's decision from before the merge). Both name their merge (`merge_id`) and the entry
 * whose decision they carry (`merged_entry_id`: the original entry, never another merge entry;
 * it also dates the decision, so "the latest of the two" compares when decisions were given,
 * not when they were merged). They have no recorder and no evidence: the evidence stays on the
 * original entry. A `merge_undo` that restores "no decision" (the survivor had none) has no
 * decision, no text and no merged entry; the current decision of such a purpose is none.
 */
const UP = [
  `CREATE TABLE consents.customer_merges (
     tenant_id uuid NOT NULL,
     merge_id uuid NOT NULL,
     survivor_id uuid NOT NULL,
     duplicate_id uuid NOT NULL,
     merged_at timestamptz NOT NULL DEFAULT now(),
     undone_at timestamptz,
     preferences_before jsonb,
     preferences_version_after integer,
     PRIMARY KEY (tenant_id, merge_id)
   )`,
  `CREATE INDEX customer_merges_survivor_idx ON consents.customer_merges (tenant_id, survivor_id)
     WHERE undone_at IS NULL`,
  `CREATE INDEX customer_merges_duplicate_idx ON consents.customer_merges (tenant_id, duplicate_id)`,

  `ALTER TABLE consents.ledger ADD COLUMN merge_id uuid, ADD COLUMN merged_entry_id uuid`,
  `ALTER TABLE consents.ledger ALTER COLUMN decision DROP NOT NULL,
     ALTER COLUMN text_id DROP NOT NULL`,
  `ALTER TABLE consents.ledger DROP CONSTRAINT ledger_check`,
  `ALTER TABLE consents.ledger DROP CONSTRAINT ledger_decision_check`,
  `ALTER TABLE consents.ledger ADD CONSTRAINT ledger_entry_kind CHECK (
     CASE WHEN source IN ('merge', 'merge_undo') THEN
            merge_id IS NOT NULL AND recorded_by_user IS NULL AND recorded_by_partner IS NULL
            AND evidence IS NULL
            AND CASE WHEN decision IS NULL
                     THEN source = 'merge_undo' AND text_id IS NULL AND merged_entry_id IS NULL
                     ELSE decision IN ('granted', 'withdrawn') AND text_id IS NOT NULL
                          AND merged_entry_id IS NOT NULL END
          ELSE merge_id IS NULL AND merged_entry_id IS NULL
               AND decision IN ('granted', 'withdrawn') AND text_id IS NOT NULL
               AND (recorded_by_user IS NULL) <> (recorded_by_partner IS NULL)
     END)`,
  `CREATE INDEX ledger_merge_idx ON consents.ledger (tenant_id, merge_id) WHERE merge_id IS NOT NULL`,
];

const DOWN = [
  'DROP INDEX consents.ledger_merge_idx',
  'ALTER TABLE consents.ledger DROP CONSTRAINT ledger_entry_kind',
  `ALTER TABLE consents.ledger ADD CONSTRAINT ledger_decision_check
     CHECK (decision IN ('granted', 'withdrawn'))`,
  `ALTER TABLE consents.ledger ADD CONSTRAINT ledger_check
     CHECK ((recorded_by_user IS NULL) <> (recorded_by_partner IS NULL))`,
  `ALTER TABLE consents.ledger ALTER COLUMN decision SET NOT NULL,
     ALTER COLUMN text_id SET NOT NULL`,
  'ALTER TABLE consents.ledger DROP COLUMN merge_id, DROP COLUMN merged_entry_id',
  'DROP TABLE consents.customer_merges',
];

export class ConsentMerges1767400000000 implements MigrationInterface {
  name = 'ConsentMerges1767400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
