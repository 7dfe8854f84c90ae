import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Announces every existing customer once, as a `customers.customer.updated.v1` of its current
 * version with no changed fields: the privacy service, which arrived after them, learns them
 * (their numbers, stations, status) and can erase them. Every other projection takes an event of
 * the version it has as changing nothing. New customers announce themselves as before.
 */
export class CustomersAnnounced1766300200000 implements MigrationInterface {
  name = 'CustomersAnnounced1766300200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `WITH c AS (SELECT *, gen_random_uuid() AS event_id FROM customers.customers)
       INSERT INTO customers.outbox (event_id, type, tenant_id, envelope)
       SELECT c.event_id, 'customers.customer.updated.v1', c.tenant_id,
              jsonb_build_object(
                'eventId', c.event_id, 'type', 'customers.customer.updated.v1',
                'occurredAt', to_jsonb(now()), 'tenantId', c.tenant_id,
                'producer', 'customers', 'correlationId', NULL,
                'payload', jsonb_build_object(
                  'customerId', c.id, 'customerNumber', c.customer_number, 'status', c.status,
                  'stationIds', to_jsonb(c.station_ids), 'version', c.version,
                  'changedFields', '[]'::jsonb,
                  'hasEmail', c.email IS NOT NULL, 'hasPhone', c.phone IS NOT NULL))
         FROM c`,
    );
  }

  async down(): Promise<void> {
    // Announcements cannot be taken back, and need not be.
  }
}
