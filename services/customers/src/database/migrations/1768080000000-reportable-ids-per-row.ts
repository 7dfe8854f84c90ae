import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * The reporting stream's triggers make one event id per row (see
 * ReportableEventIds1767799000000): their functions are replaced by ones that make the id in a
 * subquery's select list, and the row trigger that stood in for them is dropped. The event is
 * built as ReportingStream1767800000000 builds it (a migration is a snapshot: its text is copied,
 * not imported, so neither changes with the other).
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
 * subquery's select list, which PostgreSQL evaluates once per row.
 */
function insertEvents(source: string): string {
  return `INSERT INTO customers.outbox (event_id, type, tenant_id, envelope)
    SELECT e.event_id, '${TYPE}', e.tenant_id, ${envelope('e')}
      FROM (SELECT c.*, gen_random_uuid() AS event_id FROM ${source}) e
     ORDER BY e.tenant_id, e.id`;
}

const functions = (insert: (source: string) => string): string[] => [
  `CREATE OR REPLACE FUNCTION customers.reportable_created() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     ${insert('new_rows c')};
     RETURN NULL;
   END $$`,
  `CREATE OR REPLACE FUNCTION customers.reportable_updated() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     ${insert(
       `new_rows c JOIN old_rows o ON o.tenant_id = c.tenant_id AND o.id = c.id
         AND o.version IS DISTINCT FROM c.version`,
     )};
     RETURN NULL;
   END $$`,
];

const UP = [
  ...functions(insertEvents),
  'DROP TRIGGER outbox_reportable_event_id ON customers.outbox',
  'DROP FUNCTION customers.reportable_event_id()',
];

export class ReportableIdsPerRow1768080000000 implements MigrationInterface {
  name = 'ReportableIdsPerRow1768080000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  // Down leaves the per-row functions: the ones they replaced made one id for a whole statement.
  async down(): Promise<void> {}
}
