import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Imported decisions under an unknown text (issue #16). A register brought in by an import has
 * consent columns, but the business rarely knows which text its customers agreed to: without a
 * consent text named at upload, the decision is recorded as given under an unknown text, with
 * no text id. Only an `import` entry may lack a text; a `merge` entry carrying such a decision
 * (naming the original in `merged_entry_id`) lacks it too, and so does a `merge_undo` restoring
 * one. Readers show such a decision as outdated: the business must ask again before marketing.
 *
 * Down fails while such entries exist (the ledger is append-only: they cannot be removed).
 */
const UP = [
  'ALTER TABLE consents.ledger DROP CONSTRAINT ledger_entry_kind',
  `ALTER TABLE consents.ledger ADD CONSTRAINT ledger_entry_kind CHECK (
     CASE WHEN source IN ('merge', 'merge_undo') THEN
            merge_id IS NOT NULL AND recorded_by_user IS NULL AND recorded_by_partner IS NULL
            AND evidence IS NULL
            AND CASE WHEN decision IS NULL
                     THEN source = 'merge_undo' AND text_id IS NULL AND merged_entry_id IS NULL
                     -- the original's text: none when it was an import under an unknown text
                     ELSE decision IN ('granted', 'withdrawn') AND merged_entry_id IS NOT NULL END
          ELSE merge_id IS NULL AND merged_entry_id IS NULL
               AND decision IN ('granted', 'withdrawn')
               AND (text_id IS NOT NULL OR source = 'import')
               AND (recorded_by_user IS NULL) <> (recorded_by_partner IS NULL)
     END)`,
];

const DOWN = [
  'ALTER TABLE consents.ledger DROP CONSTRAINT ledger_entry_kind',
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
];

export class ImportUnknownText1768340000000 implements MigrationInterface {
  name = 'ImportUnknownText1768340000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
