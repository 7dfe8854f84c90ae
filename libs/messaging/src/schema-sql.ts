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
