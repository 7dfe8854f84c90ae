import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * The reporting stream (issue #15): `customers.customer.reportable.v1`, the fields the reports
 * print and filter on, for the reporting service alone (docs/architecture.md, "Reporting: where
 * the report columns come from").
 *
 * Written by statement-level triggers on customers.customers, in the statement that makes the
 * new version: every path that writes a card (create, update, groups, a partner's batch of new
 * customers, merge and its undo, erasure) bumps the version, and every version gets its event,
 * without any of those paths knowing about reports. A bulk write stays one statement: the
 * trigger inserts the whole batch's events in one INSERT … SELECT from the transition table.
 * Writes that do not make a version (the marketing flags, the vehicle search keys) send nothing.
 *
 * An erased card's event is its shell: every personal field null, whatever the card keeps.
 * Then every existing customer is announced once, so a reporting service arriving after them
 * learns them all (its rebuild of the cards; see services/reporting/README.md).
 */
const TYPE = 'customers.customer.reportable.v1';

/** The event of row `c` (a customers.customers row), its id `e.event_id`. */
function envelope(c: string): string {
  const personal = (value: string): string =>
    `CASE WHEN ${c}.status = 'erased' THEN NULL ELSE ${value} END`;
  return `jsonb_build_object(
    'eventId', e.event_id, 'type', '${TYPE}', 'occurredAt', to_jsonb(now()),
    'tenantId', ${c}.tenant_id, 'producer', 'customers', 'correlationId', NULL,
    'payload', jsonb_build_object(
      'customerId', ${c}.id, 'version', ${c}.version, 'kind', ${c}.kind,
      'status', ${c}.status, 'customerNumber', ${c}.customer_number,
      'firstName', ${personal(`${c}.first_name`)},
      'lastName', ${personal(`${c}.last_name`)},
      'companyName', ${personal(`${c}.company_name`)},
      'phone', ${personal(`${c}.phone`)},
      'email', ${personal(`${c}.email`)},
      'street', ${personal(`${c}.addresses -> 0 ->> 'street'`)},
      'postalCode', ${personal(`${c}.addresses -> 0 ->> 'postalCode'`)},
      'city', ${personal(`${c}.addresses -> 0 ->> 'city'`)},
      'country', ${personal(`${c}.addresses -> 0 ->> 'country'`)},
      'notes', ${personal(`${c}.notes`)},
      'stationIds', to_jsonb(${c}.station_ids), 'groupIds', to_jsonb(${c}.group_ids),
      'regularOfUserId', ${c}.regular_of_user_id,
      'leasingCompany', ${c}.leasing_company, 'internal', ${c}.internal,
      'createdAt', to_jsonb(${c}.created_at), 'mergedInto', ${c}.merged_into))`;
}

/**
 * One INSERT of the events of the rows `source` yields as `c`. Each row's event id is made in the
 * subquery's select list, which PostgreSQL evaluates once per row; a `LATERAL (SELECT
 * gen_random_uuid())` beside the rows is planned as one Result, evaluated once for all of them.
 */
function insertEvents(source: string): string {
  return `INSERT INTO customers.outbox (event_id, type, tenant_id, envelope)
    SELECT e.event_id, '${TYPE}', e.tenant_id, ${envelope('e')}
      FROM (SELECT c.*, gen_random_uuid() AS event_id FROM ${source}) e
     ORDER BY e.tenant_id, e.id`;
}

const UP = [
  `CREATE FUNCTION customers.reportable_created() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     ${insertEvents('new_rows c')};
     RETURN NULL;
   END $$`,
  `CREATE FUNCTION customers.reportable_updated() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     ${insertEvents(
       `new_rows c JOIN old_rows o ON o.tenant_id = c.tenant_id AND o.id = c.id
         AND o.version IS DISTINCT FROM c.version`,
     )};
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER customers_reportable_created AFTER INSERT ON customers.customers
     REFERENCING NEW TABLE AS new_rows
     FOR EACH STATEMENT EXECUTE FUNCTION customers.reportable_created()`,
  `CREATE TRIGGER customers_reportable_updated AFTER UPDATE ON customers.customers
     REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
     FOR EACH STATEMENT EXECUTE FUNCTION customers.reportable_updated()`,
  insertEvents('customers.customers c'),
];

const DOWN = [
  'DROP TRIGGER customers_reportable_updated ON customers.customers',
  'DROP TRIGGER customers_reportable_created ON customers.customers',
  'DROP FUNCTION customers.reportable_updated()',
  'DROP FUNCTION customers.reportable_created()',
];

export class ReportingStream1767800000000 implements MigrationInterface {
  name = 'ReportingStream1767800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
