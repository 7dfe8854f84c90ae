import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Vehicles, their customers, visits, sales, and what partner intake needs to converge.
 * Every table carries tenant_id and every index starts with it.
 *
 * Plates and VINs are compared in their normalised form in C collation: a plain btree on
 * (tenant_id, registration_norm) then serves both `LIKE 'ABC%'` and the ordering of results,
 * which a locale collation's index cannot.
 */
const UP = [
  // The customers this service has heard of (customers.customer.created/updated.v1): ids,
  // stations and status only. What a write may reference and what a worker may see.
  `CREATE TABLE vehicles.known_customers (
     tenant_id uuid NOT NULL,
     id uuid NOT NULL,
     station_ids uuid[] NOT NULL DEFAULT '{}',
     status text NOT NULL DEFAULT 'active',
     version integer NOT NULL DEFAULT 0,
     PRIMARY KEY (tenant_id, id)
   )`,

  `CREATE TABLE vehicles.vehicles (
     tenant_id uuid NOT NULL,
     id uuid NOT NULL,
     registration text NOT NULL,
     registration_norm text COLLATE "C" NOT NULL CHECK (registration_norm <> ''),
     make text,
     model text,
     year smallint CHECK (year BETWEEN 1900 AND 2200),
     vin text COLLATE "C" CHECK (vin ~ '^[A-HJ-NPR-Z0-9]{17}$'),
     last_seen_at timestamptz,
     version integer NOT NULL DEFAULT 1,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (tenant_id, id),
     CONSTRAINT vehicles_registration_unique UNIQUE (tenant_id, registration_norm)
   )`,
  `CREATE UNIQUE INDEX vehicles_vin_unique ON vehicles.vehicles (tenant_id, vin)
     WHERE vin IS NOT NULL`,

  `CREATE TABLE vehicles.vehicle_customers (
     tenant_id uuid NOT NULL,
     vehicle_id uuid NOT NULL,
     customer_id uuid NOT NULL,
     role text NOT NULL CHECK (role IN ('owner', 'proxy')),
     is_default boolean NOT NULL DEFAULT false,
     linked_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (tenant_id, vehicle_id, customer_id),
     FOREIGN KEY (tenant_id, vehicle_id) REFERENCES vehicles.vehicles (tenant_id, id)
       ON DELETE CASCADE
   )`,
  `CREATE INDEX vehicle_customers_customer_idx
     ON vehicles.vehicle_customers (tenant_id, customer_id)`,
  `CREATE UNIQUE INDEX vehicle_customers_one_default
     ON vehicles.vehicle_customers (tenant_id, vehicle_id) WHERE is_default`,

  /*
   * Visits. A partner's visit is keyed by its external id; schedule_event_at and status_event_at
   * hold the partner event times that set the schedule and the status, so events applied in any
   * order converge (the later event wins each part; a booking never undoes a completion).
   * contact_event_id is the partner event whose contact resolution will name the customer.
   */
  `CREATE TABLE vehicles.visits (
     tenant_id uuid NOT NULL,
     id uuid NOT NULL,
     station_id uuid NOT NULL,
     customer_id uuid,
     vehicle_id uuid,
     kind text NOT NULL CHECK (kind IN ('booking', 'inspection', 'work_order', 'appointment')),
     channel text NOT NULL
       CHECK (channel IN ('phone', 'walk_in', 'online_booking', 'marketplace', 'kiosk', 'dms')),
     status text NOT NULL DEFAULT 'booked'
       CHECK (status IN ('booked', 'completed', 'cancelled', 'no_show')),
     scheduled_at timestamptz NOT NULL,
     staff_user_id uuid,
     notes text,
     special_requests text,
     prepaid_minor bigint CHECK (prepaid_minor >= 0),
     prepaid_currency text CHECK (prepaid_currency ~ '^[A-Z]{3}$'),
     partner_link text,
     external_id text,
     source text,
     contact_event_id uuid,
     schedule_event_at timestamptz,
     status_event_at timestamptz,
     version integer NOT NULL DEFAULT 1,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (tenant_id, id),
     FOREIGN KEY (tenant_id, vehicle_id) REFERENCES vehicles.vehicles (tenant_id, id),
     CONSTRAINT visits_prepaid_pair CHECK ((prepaid_minor IS NULL) = (prepaid_currency IS NULL))
   )`,
  `CREATE UNIQUE INDEX visits_external_unique ON vehicles.visits (tenant_id, external_id)
     WHERE external_id IS NOT NULL`,
  `CREATE INDEX visits_customer_idx ON vehicles.visits (tenant_id, customer_id, scheduled_at)
     WHERE customer_id IS NOT NULL`,
  `CREATE INDEX visits_station_idx ON vehicles.visits (tenant_id, station_id, scheduled_at)`,
  `CREATE INDEX visits_scheduled_idx ON vehicles.visits (tenant_id, scheduled_at, id)`,
  `CREATE INDEX visits_vehicle_idx ON vehicles.visits (tenant_id, vehicle_id)
     WHERE vehicle_id IS NOT NULL`,
  `CREATE INDEX visits_contact_idx ON vehicles.visits (tenant_id, contact_event_id)
     WHERE contact_event_id IS NOT NULL`,

  // A receipt and its lines (jsonb: always read and written whole); the service and product
  // sums are kept beside them for the customer summary.
  `CREATE TABLE vehicles.sales (
     tenant_id uuid NOT NULL,
     id uuid NOT NULL,
     station_id uuid NOT NULL,
     customer_id uuid,
     visit_id uuid,
     booking_ref text,
     receipt_number text NOT NULL,
     receipt_url text,
     sold_at timestamptz NOT NULL,
     currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
     total_minor bigint NOT NULL,
     services_minor bigint NOT NULL,
     products_minor bigint NOT NULL,
     lines jsonb NOT NULL,
     source text,
     contact_event_id uuid,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (tenant_id, id),
     CONSTRAINT sales_receipt_unique UNIQUE (tenant_id, station_id, receipt_number),
     CONSTRAINT sales_total_adds_up CHECK (total_minor = services_minor + products_minor)
   )`,
  `CREATE INDEX sales_customer_idx ON vehicles.sales (tenant_id, customer_id, sold_at)
     WHERE customer_id IS NOT NULL`,
  `CREATE INDEX sales_contact_idx ON vehicles.sales (tenant_id, contact_event_id)
     WHERE contact_event_id IS NOT NULL`,
  `CREATE INDEX sales_booking_idx ON vehicles.sales (tenant_id, booking_ref)
     WHERE booking_ref IS NOT NULL AND visit_id IS NULL`,

  // Partner intake: resolutions that arrived (in either order with the partner event), and
  // vehicles waiting for a resolution to be linked to their customer.
  `CREATE TABLE vehicles.contact_resolutions (
     tenant_id uuid NOT NULL,
     partner_event_id uuid NOT NULL,
     customer_id uuid,
     resolved_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (tenant_id, partner_event_id)
   )`,
  `CREATE TABLE vehicles.pending_vehicle_links (
     tenant_id uuid NOT NULL,
     partner_event_id uuid NOT NULL,
     vehicle_id uuid NOT NULL,
     PRIMARY KEY (tenant_id, partner_event_id, vehicle_id),
     FOREIGN KEY (tenant_id, vehicle_id) REFERENCES vehicles.vehicles (tenant_id, id)
       ON DELETE CASCADE
   )`,

  // Partner events refused as invalid, for admins; personal fields are replaced before saving.
  `CREATE TABLE vehicles.rejected_partner_events (
     id uuid PRIMARY KEY,
     tenant_id uuid,
     event_id text,
     type text,
     producer text,
     reason text NOT NULL,
     payload jsonb,
     received_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE INDEX rejected_partner_events_tenant_idx
     ON vehicles.rejected_partner_events (tenant_id, id)`,
];

const DOWN = [
  'DROP TABLE vehicles.rejected_partner_events',
  'DROP TABLE vehicles.pending_vehicle_links',
  'DROP TABLE vehicles.contact_resolutions',
  'DROP TABLE vehicles.sales',
  'DROP TABLE vehicles.visits',
  'DROP TABLE vehicles.vehicle_customers',
  'DROP TABLE vehicles.vehicles',
  'DROP TABLE vehicles.known_customers',
];

export class VehiclesCore1764400100000 implements MigrationInterface {
  name = 'VehiclesCore1764400100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
