import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Ordered before ReportingStream1767800000000 on purpose. That migration's statement-level
 * triggers and its announcement of every existing card made each row's event id in a
 * `LATERAL (SELECT gen_random_uuid())`, which PostgreSQL evaluates once for all the rows: on a
 * database holding two cards or more, its announcement failed on the outbox's unique event id,
 * and every bulk write after it would too. It is on main and is not edited; instead this row
 * trigger gives every reportable event its own id (in the row and in its envelope) as it is
 * inserted, so the announcement succeeds wherever it has not run yet, and
 * ReportableIdsPerRow1768080000000 replaces the triggers' functions with ones that make an id per
 * row and drops this trigger again. On a database that ran 1767800000000 already (with at most
 * one card), this one runs after it and changes nothing until the later one.
 */
const TYPE = 'customers.customer.reportable.v1';

const UP = [
  `CREATE FUNCTION customers.reportable_event_id() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     NEW.event_id := gen_random_uuid();
     NEW.envelope := jsonb_set(NEW.envelope, '{eventId}', to_jsonb(NEW.event_id));
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER outbox_reportable_event_id BEFORE INSERT ON customers.outbox
     FOR EACH ROW WHEN (NEW.type = '${TYPE}')
     EXECUTE FUNCTION customers.reportable_event_id()`,
];

const DOWN = [
  'DROP TRIGGER IF EXISTS outbox_reportable_event_id ON customers.outbox',
  'DROP FUNCTION IF EXISTS customers.reportable_event_id()',
];

export class ReportableEventIds1767799000000 implements MigrationInterface {
  name = 'ReportableEventIds1767799000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
