import type { MigrationInterface, QueryRunner } from 'typeorm';
import { deadLettersUp, inboxByTenantUp, messagingTablesUp } from '@kanta/messaging';

/*
 * The reporting service's schema (issue #15): the messaging tables every service has, and the
 * read model the reports are written from, fed by events only (docs/architecture.md, "Reporting:
 * where the report columns come from"). Each table says which of the five reports need it:
 * `customers`, `online-bookings-pending`, `registry`, `marketing-audience`, `visits-summary`.
 * Every row carries the version (or entry id) of the owner's newest event applied: the newest
 * wins, whatever order events arrive in.
 */
const UP = [
  ...messagingTablesUp('reporting'),
  ...inboxByTenantUp('reporting'),
  ...deadLettersUp('reporting'),

  // The cards' reportable fields, from customers.customer.reportable.v1: every report prints
  // them (customers, online-bookings-pending, registry, marketing-audience) and `customers`
  // filters on them. Erased is final: the row stays a shell (ids, number, stations, dates) with
  // no personal field, for the counts of visits-summary. A row first made by an erasure or a
  // merge, before the card's event, has version 0.
  `CREATE TABLE reporting.customers (
     tenant_id uuid NOT NULL,
     customer_id uuid NOT NULL,
     version integer NOT NULL,
     kind text,
     status text NOT NULL,
     customer_number text,
     first_name text,
     last_name text,
     company_name text,
     phone text,
     email text,
     street text,
     postal_code text,
     city text,
     country text,
     notes text,
     station_ids uuid[] NOT NULL DEFAULT '{}',
     group_ids uuid[] NOT NULL DEFAULT '{}',
     regular_of_user_id uuid,
     leasing_company boolean NOT NULL DEFAULT false,
     internal boolean NOT NULL DEFAULT false,
     created_at timestamptz,
     merged_into uuid,
     PRIMARY KEY (tenant_id, customer_id)
   )`,
  `CREATE INDEX customers_created_idx ON reporting.customers (tenant_id, created_at)`,
  `CREATE INDEX customers_regular_of_idx ON reporting.customers (tenant_id, regular_of_user_id)
     WHERE regular_of_user_id IS NOT NULL`,

  // Visits (vehicles.visit.recorded/updated.v1): `customers` (visit count, last visit's date,
  // station and plate), `online-bookings-pending` (channel, status, date, station, plate) and
  // `visits-summary` (per station and period: visits, cancelled, no-shows).
  `CREATE TABLE reporting.visits (
     tenant_id uuid NOT NULL,
     visit_id uuid NOT NULL,
     version integer NOT NULL,
     customer_id uuid,
     station_id uuid NOT NULL,
     vehicle_id uuid,
     kind text NOT NULL,
     channel text NOT NULL,
     status text NOT NULL,
     scheduled_at timestamptz NOT NULL,
     PRIMARY KEY (tenant_id, visit_id)
   )`,
  `CREATE INDEX visits_customer_idx ON reporting.visits (tenant_id, customer_id, scheduled_at)`,
  `CREATE INDEX visits_station_idx ON reporting.visits (tenant_id, station_id, scheduled_at)`,

  // Vehicles (vehicles.vehicle.*.v1): the plate of `customers`' last visit and of
  // `online-bookings-pending`; `registry`'s XLSX lists them with the owner or proxy role.
  `CREATE TABLE reporting.vehicles (
     tenant_id uuid NOT NULL,
     vehicle_id uuid NOT NULL,
     version integer NOT NULL,
     registration text NOT NULL,
     vin text,
     customers jsonb NOT NULL DEFAULT '[]',
     PRIMARY KEY (tenant_id, vehicle_id)
   )`,

  // Sales (vehicles.sale.recorded.v1): `visits-summary`'s euros per station and period, and the
  // customer's sales total. Recorded once, never changed.
  `CREATE TABLE reporting.sales (
     tenant_id uuid NOT NULL,
     sale_id uuid NOT NULL,
     customer_id uuid,
     station_id uuid NOT NULL,
     visit_id uuid,
     sold_at timestamptz NOT NULL,
     currency text NOT NULL,
     total_minor bigint NOT NULL,
     PRIMARY KEY (tenant_id, sale_id)
   )`,
  `CREATE INDEX sales_customer_idx ON reporting.sales (tenant_id, customer_id)`,
  `CREATE INDEX sales_station_idx ON reporting.sales (tenant_id, station_id, sold_at)`,

  // The current decision per purpose (consents.consent.recorded.v1, the newest entry by its
  // UUIDv7 id, the consents service's own rule; a merge's undo entry may say "no decision",
  // null): `customers` (its marketing consent criterion), `registry` and `marketing-audience`.
  `CREATE TABLE reporting.consents (
     tenant_id uuid NOT NULL,
     customer_id uuid NOT NULL,
     purpose text NOT NULL,
     entry_id uuid NOT NULL,
     decision text,
     recorded_at timestamptz NOT NULL,
     PRIMARY KEY (tenant_id, customer_id, purpose)
   )`,

  // Communication preferences (consents.preferences.changed.v1): `marketing-audience` leaves
  // out a blocked customer and names the preferred channel.
  `CREATE TABLE reporting.preferences (
     tenant_id uuid NOT NULL,
     customer_id uuid NOT NULL,
     version integer NOT NULL,
     blocked boolean NOT NULL,
     preferred_channel text NOT NULL,
     PRIMARY KEY (tenant_id, customer_id)
   )`,

  // How fresh the read model is, per tenant and event type: the time of the newest event applied
  // (its occurredAt) and when it was applied; a report states the tenant's newest. A row per
  // type, so the batches of two types in flight never wait for each other here.
  `CREATE TABLE reporting.freshness (
     tenant_id uuid NOT NULL,
     event_type text NOT NULL,
     last_event_at timestamptz NOT NULL,
     applied_at timestamptz NOT NULL,
     PRIMARY KEY (tenant_id, event_type)
   )`,

  // What this service's part of a merge moved (ids and counts, never values), for the undo:
  // the duplicate's visits and sales, now the survivor's.
  `CREATE TABLE reporting.customer_merges (
     tenant_id uuid NOT NULL,
     merge_id uuid NOT NULL,
     survivor_id uuid NOT NULL,
     duplicate_id uuid NOT NULL,
     visit_ids uuid[] NOT NULL DEFAULT '{}',
     sale_ids uuid[] NOT NULL DEFAULT '{}',
     merged_at timestamptz NOT NULL DEFAULT now(),
     undone_at timestamptz,
     PRIMARY KEY (tenant_id, merge_id)
   )`,
  `CREATE INDEX customer_merges_duplicate_idx ON reporting.customer_merges
     (tenant_id, duplicate_id) WHERE undone_at IS NULL`,

  // Per customer: completed visits, the last one's date, station and plate (`customers`), and
  // sales totals per currency: recomputed from the rows above whenever read, so nothing is ever
  // counted twice, whatever order the events came in.
  `CREATE VIEW reporting.customer_visit_facts AS
     SELECT c.tenant_id, c.customer_id, c.visit_count,
            last.scheduled_at AS last_visit_at, last.station_id AS last_visit_station_id,
            last.registration AS last_visit_plate
       FROM (SELECT tenant_id, customer_id, count(*) AS visit_count
               FROM reporting.visits
              WHERE status = 'completed' AND customer_id IS NOT NULL
              GROUP BY tenant_id, customer_id) c
       CROSS JOIN LATERAL (
         SELECT l.scheduled_at, l.station_id, h.registration
           FROM reporting.visits l
           LEFT JOIN reporting.vehicles h
             ON h.tenant_id = l.tenant_id AND h.vehicle_id = l.vehicle_id
          WHERE l.tenant_id = c.tenant_id AND l.customer_id = c.customer_id
            AND l.status = 'completed'
          ORDER BY l.scheduled_at DESC, l.visit_id DESC LIMIT 1) last`,
  `CREATE VIEW reporting.customer_sales_facts AS
     SELECT tenant_id, customer_id, currency, count(*) AS sale_count,
            sum(total_minor) AS total_minor
       FROM reporting.sales WHERE customer_id IS NOT NULL
      GROUP BY tenant_id, customer_id, currency`,
];

const DOWN = [
  'DROP VIEW reporting.customer_sales_facts',
  'DROP VIEW reporting.customer_visit_facts',
  'DROP TABLE reporting.customer_merges',
  'DROP TABLE reporting.freshness',
  'DROP TABLE reporting.preferences',
  'DROP TABLE reporting.consents',
  'DROP TABLE reporting.sales',
  'DROP TABLE reporting.vehicles',
  'DROP TABLE reporting.visits',
  'DROP TABLE reporting.customers',
  'DROP TABLE reporting.dead_letters',
  'DROP TABLE reporting.inbox',
  'DROP TABLE reporting.outbox',
];

export class Reporting1767800000000 implements MigrationInterface {
  name = 'Reporting1767800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}
