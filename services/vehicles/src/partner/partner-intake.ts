import { lockKeys } from '@kanta/database';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  CONTACT_RESOLVED_V1,
  PARTNER_BOOKING_CANCELLED_V1,
  PARTNER_BOOKING_CREATED_V1,
  PARTNER_BOOKING_NO_SHOW_V1,
  PARTNER_BOOKING_RESCHEDULED_V1,
  PARTNER_CUSTOMER_SUBMITTED_V1,
  PARTNER_SALE_COMPLETED_V1,
  PARTNER_WORK_COMPLETED_V1,
  VISIT_RECORDED_V1,
  VISIT_UPDATED_V1,
  type ContactResolvedV1,
  type PartnerVehicle,
  type VehicleRole,
  type VisitStatus,
} from '@kanta/contracts';
import { EventConsumer, KnownStations, Outbox, type TypedEvent } from '@kanta/messaging';
import { uuidv7 } from '@kanta/platform';
import { millisecondTime } from '../cursor';
import { KnownCustomers } from '../known-customers/known-customers';
import { saleEvent } from '../sales/sales.service';
import { SalesRepository, visitCustomerOf } from '../sales/sales.repository';
import { VehiclesService, type PartnerLink } from '../vehicles/vehicles.service';
import { visitEvent } from '../visits/visit-view';
import {
  PartnerVisitsRepository,
  fillSaleCustomers,
  type PartnerVisitFacts,
} from './partner-visits.repository';

/** The parts of a partner event every handler reads. */
interface Intake {
  manager: EntityManager;
  tenantId: string;
  eventId: string;
  source: string;
  occurredAt: string;
  correlationId: string | null;
}

/**
 * Records what partner systems report — bookings, their changes, completed inspections and work
 * orders, receipts, kiosk and check-in submissions — with the partner's references, and finds or
 * creates the vehicles they name. Which customer the contact details belong to is the customers
 * service's answer (`customers.contact.resolved.v1`), which may arrive before or after the
 * partner event: whichever comes second attaches the customer. Both run under one advisory lock
 * per partner event, so neither misses the other. Every handler runs in the inbox transaction:
 * a partner event delivered twice has its effect once.
 */
@Injectable()
export class PartnerIntake implements OnModuleInit {
  constructor(
    private readonly events: EventConsumer,
    private readonly visitRows: PartnerVisitsRepository,
    private readonly sales: SalesRepository,
    private readonly vehicles: VehiclesService,
    private readonly customers: KnownCustomers,
    private readonly outbox: Outbox,
    private readonly stations: KnownStations,
  ) {}

  onModuleInit(): void {
    this.stations.register(this.events);
    const intake = <
      T extends {
        tenantId: string | null;
        eventId: string;
        producer: string;
        occurredAt: string;
        correlationId: string | null;
      },
    >(
      event: T,
      manager: EntityManager,
    ): Intake => ({
      manager,
      tenantId: event.tenantId!,
      eventId: event.eventId,
      source: event.producer,
      occurredAt: event.occurredAt,
      correlationId: event.correlationId,
    });
    this.events
      .onBatch(PARTNER_BOOKING_CREATED_V1, async (events, { manager }) => {
        // A statement writes a visit once: a booking named twice waits for the next round.
        for (const round of rounds(events, (e) => `${e.tenantId}:${e.payload.bookingId}`)) {
          await this.bookingsCreated(
            round.map((e) => ({ i: intake(e, manager), e })),
            manager,
          );
        }
      })
      .on(PARTNER_BOOKING_RESCHEDULED_V1, async (e, { manager }) => {
        const p = e.payload;
        return this.visit(intake(e, manager), {
          ...this.facts(intake(e, manager), p.bookingId, p.stationId),
          schedule: { at: p.scheduledAt, eventAt: e.occurredAt },
        });
      })
      .on(PARTNER_BOOKING_CANCELLED_V1, (e, { manager }) =>
        this.statusSet(intake(e, manager), e.payload, 'cancelled', e.payload.reason ?? null),
      )
      .on(PARTNER_BOOKING_NO_SHOW_V1, (e, { manager }) =>
        this.statusSet(intake(e, manager), e.payload, 'no_show', null),
      )
      .on(PARTNER_WORK_COMPLETED_V1, async (e, { manager }) => {
        await this.workCompleted(intake(e, manager), e);
      })
      .on(PARTNER_SALE_COMPLETED_V1, async (e, { manager }) => {
        await this.saleCompleted(intake(e, manager), e);
      })
      .on(PARTNER_CUSTOMER_SUBMITTED_V1, async (e, { manager }) => {
        await this.customerSubmitted(intake(e, manager), e);
      })
      .onBatch(CONTACT_RESOLVED_V1, async (events, { manager }) => {
        // An answer updates what its partner event made: twice in one statement it cannot.
        for (const round of rounds(events, (e) => `${e.tenantId}:${e.payload.partnerEventId}`)) {
          await this.contactsResolved(round.map((e) => ({ i: intake(e, manager), r: e.payload })));
        }
      });
  }

  /**
   * New bookings, each (tenant, booking) once: every step for all of them at once, in the order
   * one booking takes them — its contact's answer, its vehicle and link, its visit — so the
   * locks are taken in the same order as by one booking alone.
   */
  private async bookingsCreated(
    bookings: { i: Intake; e: TypedEvent<typeof PARTNER_BOOKING_CREATED_V1> }[],
    manager: EntityManager,
  ): Promise<void> {
    const answers = await this.answers(
      manager,
      bookings.filter(({ e }) => e.payload.customer !== undefined).map(({ i }) => i),
    );
    const sighted = bookings.filter(({ e }) => e.payload.vehicle !== undefined);
    const vehicleIds = await this.vehicles.fromPartnerMany(
      manager,
      sighted.map(({ i, e }) => ({
        tenantId: i.tenantId,
        vehicle: e.payload.vehicle!,
        seenAt: i.occurredAt,
        correlationId: i.correlationId,
      })),
    );
    const vehicleOf = new Map(sighted.map(({ i }, n) => [i, vehicleIds[n]]));
    const links: PartnerLink[] = [];
    const pending: { i: Intake; vehicleId: string; role: VehicleRole | null }[] = [];
    for (const { i, e } of sighted) {
      const customerId = answers.get(i) ?? null;
      const vehicleId = vehicleOf.get(i)!;
      const role = e.payload.vehicle!.customerRole;
      if (customerId) {
        links.push({
          tenantId: i.tenantId,
          vehicleId,
          customerId,
          correlationId: i.correlationId,
          role,
        });
      } else if (e.payload.customer !== undefined && !answers.has(i)) {
        pending.push({ i, vehicleId, role: role ?? null });
      }
    }
    await this.vehicles.linkManyFromPartner(manager, links);
    await parkVehicles(manager, pending);
    await this.visits(
      manager,
      bookings.map(({ i, e }) => {
        const p = e.payload;
        const customerId = answers.get(i) ?? null;
        return {
          i,
          facts: {
            ...this.facts(i, p.bookingId, p.stationId),
            booking: {
              kind: p.kind ?? 'booking',
              channel: p.channel ?? 'online_booking',
              notes: p.notes ?? null,
              specialRequests: p.specialRequests ?? null,
              prepaidMinor: p.prepaid?.amountMinor ?? null,
              prepaidCurrency: p.prepaid?.currency ?? null,
            },
            schedule: { at: p.scheduledAt, eventAt: e.occurredAt },
            customerId,
            vehicleId: vehicleOf.get(i) ?? null,
            contactEventId: p.customer !== undefined && !answers.has(i) ? i.eventId : null,
          },
        };
      }),
    );
  }

  /** A booking's status as the booking system set it (cancelled, no-show), at the event's time. */
  private statusSet(
    i: Intake,
    booking: { bookingId: string; stationId: string },
    value: VisitStatus,
    reason: string | null,
  ): Promise<void> {
    return this.visit(i, {
      ...this.facts(i, booking.bookingId, booking.stationId),
      status: { value, eventAt: i.occurredAt, reason },
    });
  }

  private async workCompleted(
    i: Intake,
    e: TypedEvent<typeof PARTNER_WORK_COMPLETED_V1>,
  ): Promise<void> {
    const p = e.payload;
    const facts = this.facts(i, p.bookingId ?? p.workOrderId, p.stationId);
    await this.visit(i, {
      ...facts,
      placeholder: { kind: p.kind, channel: 'dms', at: p.completedAt },
      status: { value: 'completed', eventAt: e.occurredAt, reason: null },
      partnerLink: p.link ?? null,
      ...(await this.parties(i, p.customer !== undefined, p.vehicle)),
    });
  }

  /**
   * Details a customer gave at a kiosk or in an online check-in: the vehicle is found or made and
   * linked to them; with a `bookingId` the booking's visit gets the customer and the vehicle, when
   * it has none yet (a placeholder if the check-in overtook its booking).
   */
  private async customerSubmitted(
    i: Intake,
    e: TypedEvent<typeof PARTNER_CUSTOMER_SUBMITTED_V1>,
  ): Promise<void> {
    const p = e.payload;
    const parties = await this.parties(i, true, p.vehicle);
    if (!p.bookingId) return;
    await this.visit(i, {
      ...this.facts(i, p.bookingId, p.stationId),
      placeholder: {
        kind: 'booking',
        channel: p.source === 'kiosk' ? 'kiosk' : 'online_booking',
        at: i.occurredAt,
      },
      ...parties,
    });
  }

  private async saleCompleted(
    i: Intake,
    e: TypedEvent<typeof PARTNER_SALE_COMPLETED_V1>,
  ): Promise<void> {
    const p = e.payload;
    const answer = await this.contact(i, p.customer !== undefined);
    // Its own contact's answer still to come: the receipt waits for it, whatever the visit says.
    const waiting = p.customer !== undefined && !answer.answered;
    if (p.bookingId) await lock(i, `booking:${p.bookingId}`);
    const visit = p.bookingId
      ? (
          await i.manager.query<{ id: string; customer_id: string | null }[]>(
            'SELECT id, customer_id FROM vehicles.visits WHERE tenant_id = $1 AND external_id = $2',
            [i.tenantId, p.bookingId],
          )
        )[0]
      : undefined;
    // The same receipt sent again (even as a new event) is recorded once.
    const row = await this.sales.insert(
      i.manager,
      i.tenantId,
      {
        id: uuidv7(),
        station_id: p.stationId,
        // A receipt without a customer of its own is its booking's customer's.
        customer_id: answer.customerId ?? (waiting ? null : (visit?.customer_id ?? null)),
        visit_id: visit?.id ?? null,
        booking_ref: visit ? null : (p.bookingId ?? null),
        receipt_number: p.receiptNumber,
        receipt_url: p.receiptUrl ?? null,
        sold_at: millisecondTime(p.soldAt),
        currency: p.currency,
        total_minor: p.totalMinor,
        lines: p.lines,
        source: i.source,
        contact_event_id: waiting ? i.eventId : null,
      },
      true,
    );
    if (row) await this.outbox.enqueue(i.manager, [saleEvent(i.tenantId, row, i.correlationId)]);
  }

  /** The customer (if already resolved), the vehicle, and the contact still to be resolved. */
  private async parties(
    i: Intake,
    hasContact: boolean,
    vehicle: PartnerVehicle | undefined,
  ): Promise<Pick<PartnerVisitFacts, 'customerId' | 'vehicleId' | 'contactEventId'>> {
    const { customerId, answered } = await this.contact(i, hasContact);
    const waiting = hasContact && !answered;
    const vehicleId = vehicle ? await this.vehicle(i, vehicle, customerId, waiting) : null;
    return { customerId, vehicleId, contactEventId: waiting ? i.eventId : null };
  }

  /** The visit facts every visit event shares; the handler adds what its event says. */
  private facts(i: Intake, externalId: string, stationId: string): PartnerVisitFacts {
    return {
      externalId,
      stationId,
      source: i.source,
      booking: null,
      schedule: null,
      status: null,
      placeholder: { kind: 'booking', channel: 'online_booking', at: i.occurredAt },
      customerId: null,
      vehicleId: null,
      contactEventId: null,
      partnerLink: null,
    };
  }

  private visit(i: Intake, facts: PartnerVisitFacts): Promise<void> {
    return this.visits(i.manager, [{ i, facts }]);
  }

  /** Visits, each (tenant, external id) at most once, in a few statements for all. */
  private async visits(
    manager: EntityManager,
    writes: { i: Intake; facts: PartnerVisitFacts }[],
  ): Promise<void> {
    // A sale of a booking handled at the same moment either sees the visit or is seen by it.
    await lockKeys(
      manager,
      writes.map(({ i, facts }) => lockKey(i, `booking:${facts.externalId}`)),
    );
    const written = await this.visitRows.upsertMany(
      manager,
      writes.map(({ i, facts }) => ({ tenantId: i.tenantId, facts })),
    );
    await this.visitRows.awaitContacts(
      manager,
      written.flatMap(({ row }, n) => {
        const { i, facts } = writes[n];
        return facts.contactEventId
          ? [{ tenantId: i.tenantId, partnerEventId: facts.contactEventId, visit: row }]
          : [];
      }),
    );
    await this.visitRows.attachWaitingSalesMany(
      manager,
      written.map(({ row }, n) => ({ tenantId: writes[n].i.tenantId, visit: row })),
    );
    await this.outbox.enqueue(
      manager,
      written.map(({ row, inserted }, n) =>
        visitEvent(
          inserted ? VISIT_RECORDED_V1 : VISIT_UPDATED_V1,
          writes[n].i.tenantId,
          row,
          writes[n].i.correlationId,
        ),
      ),
    );
  }

  /**
   * The answers that came before these events (the customer their contact details resolved to,
   * or null for nobody), taken from `contact_resolutions`: an event absent from the map waits for
   * its answer, which attaches its customer when it comes. Takes each event's lock first.
   */
  private async answers(
    manager: EntityManager,
    intakes: Intake[],
  ): Promise<Map<Intake, string | null>> {
    if (intakes.length === 0) return new Map();
    await lockKeys(
      manager,
      intakes.map((i) => lockKey(i, `partner-event:${i.eventId}`)),
    );
    const [rows] = await manager.query<
      [{ tenant_id: string; partner_event_id: string; customer_id: string | null }[], number]
    >(
      `DELETE FROM vehicles.contact_resolutions r
        USING unnest($1::uuid[], $2::uuid[]) AS k(tenant_id, partner_event_id)
        WHERE r.tenant_id = k.tenant_id AND r.partner_event_id = k.partner_event_id
       RETURNING r.tenant_id, r.partner_event_id, r.customer_id`,
      [intakes.map((i) => i.tenantId), intakes.map((i) => i.eventId)],
    );
    const found = new Map(rows.map((r) => [`${r.tenant_id}:${r.partner_event_id}`, r.customer_id]));
    return new Map(
      intakes.flatMap((i) => {
        const key = `${i.tenantId}:${i.eventId}`;
        return found.has(key) ? [[i, found.get(key)!] as const] : [];
      }),
    );
  }

  /** One event's answer, as `answers` gives them: whether it came, and its customer. */
  private async contact(
    i: Intake,
    hasContact: boolean,
  ): Promise<{ answered: boolean; customerId: string | null }> {
    if (!hasContact) return { answered: false, customerId: null };
    const answers = await this.answers(i.manager, [i]);
    return { answered: answers.has(i), customerId: answers.get(i) ?? null };
  }

  /**
   * The vehicle found or created; linked to the customer now, or when the answer comes if the
   * event still waits for it.
   */
  private async vehicle(
    i: Intake,
    vehicle: PartnerVehicle,
    customerId: string | null,
    waiting: boolean,
  ): Promise<string> {
    const vehicleId = await this.vehicles.fromPartner(
      i.manager,
      i.tenantId,
      vehicle,
      i.occurredAt,
      i.correlationId,
    );
    if (customerId) {
      await this.vehicles.linkFromPartner(
        i.manager,
        i.tenantId,
        vehicleId,
        customerId,
        i.correlationId,
        vehicle.customerRole,
      );
    } else if (waiting) {
      await parkVehicles(i.manager, [{ i, vehicleId, role: vehicle.customerRole ?? null }]);
    }
    return vehicleId;
  }

  /**
   * The customers service's answers, each partner event once: attach each customer to whatever
   * its partner event made, in a few statements for all.
   */
  private async contactsResolved(answers: { i: Intake; r: ContactResolvedV1 }[]): Promise<void> {
    if (answers.length === 0) return;
    const { manager } = answers[0].i;
    await lockKeys(
      manager,
      answers.map(({ i, r }) => lockKey(i, `partner-event:${r.partnerEventId}`)),
    );
    const keys = [
      answers.map((a) => a.i.tenantId),
      answers.map((a) => a.r.partnerEventId),
      answers.map((a) => a.r.customerId),
    ];
    // Kept only for a partner event still to come: one handled already (in the inbox, also
    // earlier in this batch, whose handlers run first) takes what it needs here.
    await manager.query(
      `INSERT INTO vehicles.contact_resolutions (tenant_id, partner_event_id, customer_id)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS k(t, e, c)
        WHERE NOT EXISTS (SELECT 1 FROM vehicles.inbox i WHERE i.event_id = k.e)
       ON CONFLICT DO NOTHING`,
      keys,
    );
    // Vehicles waiting for these answers wait no more: linked below, or to nobody.
    const [pending] = await manager.query<
      [
        {
          tenant_id: string;
          partner_event_id: string;
          vehicle_id: string;
          role: VehicleRole | null;
        }[],
        number,
      ]
    >(
      `DELETE FROM vehicles.pending_vehicle_links p
        USING unnest($1::uuid[], $2::uuid[]) AS k(k_tenant, k_event)
        WHERE p.tenant_id = k.k_tenant AND p.partner_event_id = k.k_event
       RETURNING p.tenant_id, p.partner_event_id, p.vehicle_id, p.role`,
      keys.slice(0, 2),
    );
    const resolved = answers.filter((a) => a.r.customerId !== null);
    // Known at once: the customer's own created event may still be on its way.
    await this.customers.rememberMany(
      manager,
      resolved.map(({ i, r }) => ({
        tenantId: i.tenantId,
        customer: {
          customerId: r.customerId!,
          stationIds: r.stationIds,
          status: 'active',
          version: 0,
        },
      })),
    );
    // Vehicles before visits, as every partner handler takes their rows.
    const byEvent = new Map(resolved.map((a) => [`${a.i.tenantId}:${a.r.partnerEventId}`, a]));
    await this.vehicles.linkManyFromPartner(
      manager,
      pending.flatMap((p) => {
        const answer = byEvent.get(`${p.tenant_id}:${p.partner_event_id}`);
        if (!answer) return [];
        const { i, r } = answer;
        return [
          {
            tenantId: i.tenantId,
            vehicleId: p.vehicle_id,
            customerId: r.customerId!,
            correlationId: i.correlationId,
            role: p.role ?? undefined,
          },
        ];
      }),
    );
    const visits = await this.visitRows.answerContacts(
      manager,
      answers.map(({ i, r }) => ({
        tenantId: i.tenantId,
        partnerEventId: r.partnerEventId,
        customerId: r.customerId,
      })),
    );
    await fillSaleCustomers(
      manager,
      visits.map((v) => ({ tenantId: v.tenant_id, visitId: v.id, customerId: v.customer_id })),
    );
    // Receipts waiting for these answers: their own customer, or with nobody their visit's.
    await manager.query(
      `UPDATE vehicles.sales s
          SET customer_id = coalesce(k.k_customer, ${visitCustomerOf('s')}),
              contact_event_id = NULL
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS k(k_tenant, k_event, k_customer)
        WHERE s.tenant_id = k.k_tenant AND s.contact_event_id = k.k_event AND s.customer_id IS NULL`,
      keys,
    );
    await this.outbox.enqueue(
      manager,
      visits.map(({ tenant_id, k_event, ...row }) =>
        visitEvent(
          VISIT_UPDATED_V1,
          tenant_id,
          row,
          byEvent.get(`${tenant_id}:${k_event}`)!.i.correlationId,
        ),
      ),
    );
  }
}

/** Vehicles whose customer is named by a partner event's answer still to come: linked then. */
async function parkVehicles(
  manager: EntityManager,
  rows: { i: Intake; vehicleId: string; role: VehicleRole | null }[],
): Promise<void> {
  if (rows.length === 0) return;
  await manager.query(
    `INSERT INTO vehicles.pending_vehicle_links (tenant_id, partner_event_id, vehicle_id, role)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[])
     ON CONFLICT DO NOTHING`,
    [
      rows.map((r) => r.i.tenantId),
      rows.map((r) => r.i.eventId),
      rows.map((r) => r.vehicleId),
      rows.map((r) => r.role),
    ],
  );
}

/** A transaction lock on one thing of the tenant (a partner event, a booking, a plate). */
export async function lock(i: Pick<Intake, 'manager' | 'tenantId'>, what: string): Promise<void> {
  await lockKeys(i.manager, [lockKey(i, what)]);
}

function lockKey(i: Pick<Intake, 'tenantId'>, what: string): string {
  return `vehicles:${i.tenantId}:${what}`;
}

/**
 * Splits a batch into rounds in which each key appears once, keeping the order of each key's
 * events: the first of every key, then the second, …
 */
function rounds<T>(items: T[], key: (item: T) => string): T[][] {
  const seen = new Map<string, number>();
  const result: T[][] = [];
  for (const item of items) {
    const k = key(item);
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    (result[n] ??= []).push(item);
  }
  return result;
}
