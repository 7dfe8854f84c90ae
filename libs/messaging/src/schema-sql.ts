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

/**
 * Dead letters, kept in the service's own schema with their tenant, so an admin can list,
 * replay and purge them through the API and an erasure can reach them: what the consumer gave up
 * (drained from its DLQ queue), what no queue was bound for (the gateway drains the unroutable
 * queue), and outbox rows the relay could not publish (parked). One row per consumer and event
 * of a tenant: a message given up again updates it.
 *
 * The outbox gains what parking needs: a row the broker or the client refused is tried again
 * alone after `next_attempt_at` and parked after `refusals` reaches the relay's limit.
 */
export function deadLettersUp(schema: string): string[] {
  return [
    `CREATE TABLE "${schema}".dead_letters (
       id uuid PRIMARY KEY,
       tenant_id uuid,
       consumer text NOT NULL,
       reason text NOT NULL,
       event_id uuid,
       event_type text,
       routing_key text NOT NULL,
       last_error text NOT NULL,
       attempts integer NOT NULL,
       body bytea NOT NULL,
       properties jsonb NOT NULL,
       dead_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
       replayed_at timestamptz,
       replays integer NOT NULL DEFAULT 0
     )`,
    `CREATE UNIQUE INDEX dead_letters_event_key ON "${schema}".dead_letters
       (consumer, event_id, tenant_id) NULLS NOT DISTINCT WHERE event_id IS NOT NULL`,
    `CREATE INDEX dead_letters_tenant_idx ON "${schema}".dead_letters (tenant_id, dead_at, id)`,
    `CREATE INDEX dead_letters_dead_at_idx ON "${schema}".dead_letters (dead_at, id)`,
    `ALTER TABLE "${schema}".outbox ADD COLUMN next_attempt_at timestamptz,
       ADD COLUMN refusals integer NOT NULL DEFAULT 0`,
    `CREATE INDEX outbox_refused_idx ON "${schema}".outbox (next_attempt_at)
       WHERE published_at IS NULL AND next_attempt_at IS NOT NULL`,
  ];
}

export function deadLettersDown(schema: string): string[] {
  return [
    `DROP INDEX "${schema}".outbox_refused_idx`,
    `ALTER TABLE "${schema}".outbox DROP COLUMN next_attempt_at, DROP COLUMN refusals`,
    `DROP TABLE "${schema}".dead_letters`,
  ];
}
