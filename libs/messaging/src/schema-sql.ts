/**
 * The outbox and inbox tables every service has in its own schema. A service's first migration
 * runs `messagingTablesUp(schema)`; the names are fixed so the relay and consumers find them.
 */
export function messagingTablesUp(schema: string): string[] {
  return [
    `CREATE TABLE "${schema}".outbox (
       id bigserial PRIMARY KEY,
       event_id uuid NOT NULL UNIQUE,
       type text NOT NULL,
       tenant_id uuid,
       envelope jsonb NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now(),
       published_at timestamptz,
       attempts integer NOT NULL DEFAULT 0,
       last_error text
     )`,
    `CREATE INDEX outbox_unpublished_idx ON "${schema}".outbox (id) WHERE published_at IS NULL`,
    // Every row is updated once (published) and deleted after the retention: vacuum it often,
    // or the relay's index scans wade through dead entries.
    `ALTER TABLE "${schema}".outbox SET (autovacuum_vacuum_scale_factor = 0.02,
       autovacuum_vacuum_threshold = 1000)`,
    `CREATE TABLE "${schema}".inbox (
       event_id uuid NOT NULL,
       consumer text NOT NULL,
       event_type text NOT NULL,
       processed_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (event_id, consumer)
     )`,
  ];
}

export function messagingTablesDown(schema: string): string[] {
  return [`DROP TABLE "${schema}".inbox`, `DROP TABLE "${schema}".outbox`];
}

/**
 * Keys the inbox by (event id, consumer, tenant): two tenants' events that share an id (a partner
 * deriving ids from its per-tenant booking numbers) are two events. An event without a tenant is
 * keyed with a null tenant, which the constraint treats as one value of its own.
 *
 * Rows recorded before have no tenant to key by: they keep standing for their event id in every
 * tenant (`any_tenant`), so a redelivery or replay of an event handled before the migration is
 * still skipped. Both column changes are catalogue-only (no table rewrite); the new constraint's
 * index is built once, while inserts wait.
 */
export function inboxByTenantUp(schema: string): string[] {
  return [
    `ALTER TABLE "${schema}".inbox ADD COLUMN tenant_id uuid,
       ADD COLUMN any_tenant boolean NOT NULL DEFAULT true`,
    `ALTER TABLE "${schema}".inbox ALTER COLUMN any_tenant SET DEFAULT false`,
    `ALTER TABLE "${schema}".inbox DROP CONSTRAINT inbox_pkey,
       ADD CONSTRAINT inbox_event_key UNIQUE NULLS NOT DISTINCT (event_id, consumer, tenant_id)`,
  ];
}

export function inboxByTenantDown(schema: string): string[] {
  return [
    `DELETE FROM "${schema}".inbox a USING "${schema}".inbox b
      WHERE a.event_id = b.event_id AND a.consumer = b.consumer AND a.ctid > b.ctid`,
    `ALTER TABLE "${schema}".inbox DROP CONSTRAINT inbox_event_key,
       ADD PRIMARY KEY (event_id, consumer)`,
    `ALTER TABLE "${schema}".inbox DROP COLUMN tenant_id, DROP COLUMN any_tenant`,
  ];
}
