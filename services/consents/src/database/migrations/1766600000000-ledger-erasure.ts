import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Erasure keeps a customer's ledger entries (the proof that each decision was given: purpose,
 * decision, text, source, recorder, time) and clears what identifies the person in them: the
 * evidence (a signed form's reference, a free-text note). The trigger's erasure path, which let
 * only a DELETE through, now also lets through an UPDATE that empties `evidence` and changes
 * nothing else; any other change stays refused, under the erasure setting too.
 *
 * The runtime role has no UPDATE on the ledger and gets none: it clears evidence only through
 * `erase_ledger_evidence`, which runs as the schema's owner, turns the setting on for its own
 * statement only (restored before it returns; an error rolls it back with the rest), and does
 * that one thing for one customer.
 */
const UP = [
  `CREATE OR REPLACE FUNCTION consents.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_TABLE_NAME = 'ledger' AND current_setting('consents.erasure', true) = 'on' THEN
       IF TG_OP = 'DELETE' THEN
         RETURN OLD;
       END IF;
       IF TG_OP = 'UPDATE' THEN
         IF NEW.evidence IS NULL AND to_jsonb(NEW) - 'evidence' = to_jsonb(OLD) - 'evidence' THEN
           RETURN NEW;
         END IF;
       END IF;
     END IF;
     RAISE EXCEPTION 'consents.% is append-only: % refused', TG_TABLE_NAME, TG_OP
       USING ERRCODE = 'insufficient_privilege';
   END $$`,
  `CREATE FUNCTION consents.erase_ledger_evidence(erased_tenant uuid, erased_customer uuid)
     RETURNS integer LANGUAGE plpgsql
     SECURITY DEFINER SET search_path = pg_catalog, pg_temp
   AS $$
   DECLARE
     before text := current_setting('consents.erasure', true);
     cleared integer;
   BEGIN
     PERFORM set_config('consents.erasure', 'on', true);
     UPDATE consents.ledger SET evidence = NULL
      WHERE tenant_id = erased_tenant AND customer_id = erased_customer AND evidence IS NOT NULL;
     GET DIAGNOSTICS cleared = ROW_COUNT;
     PERFORM set_config('consents.erasure', coalesce(before, ''), true);
     RETURN cleared;
   END $$`,
];

const DOWN = [
  'DROP FUNCTION consents.erase_ledger_evidence(uuid, uuid)',
  `CREATE OR REPLACE FUNCTION consents.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'ledger'
        AND current_setting('consents.erasure', true) = 'on' THEN
       RETURN OLD;
     END IF;
     RAISE EXCEPTION 'consents.% is append-only: % refused', TG_TABLE_NAME, TG_OP
       USING ERRCODE = 'insufficient_privilege';
   END $$`,
];

export class LedgerErasure1766600000000 implements MigrationInterface {
  name = 'LedgerErasure1766600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
