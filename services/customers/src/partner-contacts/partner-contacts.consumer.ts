import { lockKeys } from '@kanta/database';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  CONTACT_RESOLVED_V1,
  isPartnerEventType,
  normalisePhone,
  type ContactResolvedV1,
  type CustomerOrigin,
  type PartnerConsentsPart,
  type PartnerContact,
} from '@kanta/contracts';
import { EventConsumer, KnownStations, Outbox, type KnownEventEnvelope } from '@kanta/messaging';
import { uuidv7 } from '@kanta/platform';
import { customerCreatedEvent } from '../customers/customer-events';
import { blankCard, type CustomerWrite } from '../customers/customer-row';
import {
  allocateCustomerNumbers,
  insertCustomersStatement,
} from '../customers/customers.repository';
import { SensitiveData } from '../sensitive/sensitive-data';

interface ContactPayload extends PartnerConsentsPart {
  stationId: string;
  source?: string;
  customer?: PartnerContact;
}

type Resolution = Pick<ContactResolvedV1, 'customerId' | 'outcome' | 'stationIds'>;

/** Whether the consents service waits for this event's answer. */
const carriesConsents = (payload: ContactPayload): boolean =>
  payload.consents !== undefined || payload.preferences !== undefined;

/** Where a customer created from a partner event came from. */
function originOf(type: string, payload: ContactPayload): CustomerOrigin {
  if (type.startsWith('partner.booking.')) return 'online_booking';
  if (payload.source === 'pos') return 'pos';
  if (payload.source === 'kiosk') return 'kiosk';
  if (payload.source === 'online_check_in') return 'online_booking';
  return 'api';
}

/** One partner event's contact details, normalised, with the keys that identify them. */
interface Contact {
  event: KnownEventEnvelope;
  tenantId: string;
  payload: ContactPayload;
  contact: PartnerContact;
  phone: ReturnType<typeof normalisePhone> | null;
  email: string | null;
  externalId: { system: string; id: string } | null;
  /** `x:<system>:<id>`, `p:<e164>`, `e:<email>`: the order matches are tried in. */
  keys: string[];
}

interface Match {
  id: string;
  station_ids: string[];
}

/**
 * Resolves the contact details partner events carry to a customer: the one holding the external
 * id, else the one with that exact E.164 phone, else that e-mail (lower-cased); none matching, a
 * new one when the details suffice — a name and a phone, e-mail or external id; a name alone
 * never creates a customer. Answers with `customers.contact.resolved.v1`, which the vehicles
 * service attaches to what the same partner event recorded. Runs in the inbox transaction, so a
 * redelivered partner event resolves (and creates) once; an advisory lock per identifier keeps
 * two events with the same new contact from creating two customers.
 *
 * A batch of events is resolved together, as if one after the other in delivery order: every
 * identifier locked and looked up in one statement each, a customer made by an earlier event of
 * the batch matched by a later one (it is the newest holder of its identifiers), and all the
 * answers in one outbox insert.
 */
@Injectable()
export class PartnerContactsConsumer implements OnModuleInit {
  constructor(
    private readonly events: EventConsumer,
    private readonly sensitive: SensitiveData,
    private readonly outbox: Outbox,
    private readonly stations: KnownStations,
  ) {}

  onModuleInit(): void {
    // Only the events with contact details are this service's to check (and to act on).
    this.stations.register(this.events, (e) => Boolean((e.payload as ContactPayload).customer));
    this.events.onBatchPattern('partner.#', async (events, { manager }) => {
      const contacts = events.flatMap((event) => {
        const payload = event.payload as ContactPayload;
        if (!isPartnerEventType(event.type) || event.tenantId === null || !payload.customer) {
          return [];
        }
        return [contactOf(event, event.tenantId, payload, payload.customer)];
      });
      if (contacts.length === 0) return;
      const resolutions = await this.resolve(manager, contacts);
      await this.outbox.enqueue(
        manager,
        contacts.map(({ event, tenantId }, i) => ({
          type: CONTACT_RESOLVED_V1,
          tenantId,
          correlationId: event.correlationId,
          payload: {
            partnerEventId: event.eventId,
            partnerEventType: event.type,
            ...resolutions[i],
            carriesConsents: carriesConsents(event.payload as ContactPayload),
          },
        })),
      );
    });
  }

  private async resolve(manager: EntityManager, contacts: Contact[]): Promise<Resolution[]> {
    await lockContactKeys(
      manager,
      contacts.flatMap((c) => c.keys.map((key) => ({ tenantId: c.tenantId, key }))),
    );
    const stored = await this.match(manager, contacts);
    // Only the contacts no stored customer has: usually none, and then no query at all.
    const tombstones = await this.erasedMatches(
      manager,
      contacts.filter((c) => !c.keys.some((key) => stored.has(`${c.tenantId}:${key}`))),
    );
    // Customers this batch creates: newer than any stored, so they match first.
    const created = new Map<string, Match>();
    const found = (tenantId: string, key: string): Match | undefined =>
      created.get(`${tenantId}:${key}`) ?? stored.get(`${tenantId}:${key}`);

    const resolutions: Resolution[] = [];
    const inserts: { contact: Contact; id: string; write: CustomerWrite }[] = [];
    for (const c of contacts) {
      const match = c.keys.map((key) => found(c.tenantId, key)).find(Boolean) ?? tombstones.get(c);
      if (match) {
        resolutions.push({
          customerId: match.id,
          outcome: 'matched',
          stationIds: match.station_ids,
        });
        continue;
      }
      const write = c.keys.length > 0 ? newCustomer(c) : null;
      if (!write) {
        resolutions.push({ customerId: null, outcome: 'insufficient', stationIds: [] });
        continue;
      }
      const id = uuidv7();
      inserts.push({ contact: c, id, write });
      for (const key of c.keys) {
        created.set(`${c.tenantId}:${key}`, { id, station_ids: write.station_ids });
      }
      resolutions.push({ customerId: id, outcome: 'created', stationIds: write.station_ids });
    }
    if (inserts.length === 0) return resolutions;

    const numbers = await allocateCustomerNumbers(
      manager,
      inserts.map((i) => i.contact.tenantId),
    );
    const rows = inserts.map(({ contact, id, write }, n) => ({
      tenantId: contact.tenantId,
      id,
      origin: originOf(contact.event.type, contact.payload),
      write: { ...write, customer_number: numbers[n] },
      correlationId: contact.event.correlationId,
    }));
    const { text, values } = insertCustomersStatement(
      rows,
      (first) =>
        this.outbox.statementPart(
          rows.map((r) =>
            customerCreatedEvent(r.tenantId, r.id, r.write, r.origin, r.correlationId),
          ),
          first,
        ),
      this.sensitive,
    );
    await manager.query(text, values);
    return resolutions;
  }

  /**
   * The erased customer a contact made before its erasure belongs to: a partner event whose time
   * (its envelope's `occurredAt`) is not after the erasure of a customer that had one of its
   * identifiers (`erased_contacts`, keyed hashes). It resolves to the erased shell, so the
   * services drop its values, rather than making the person again; a contact made after the
   * erasure makes a new customer. Only for contacts no live customer matches.
   */
  private async erasedMatches(
    manager: EntityManager,
    contacts: Contact[],
  ): Promise<Map<Contact, Match>> {
    const probes = contacts.flatMap((c) =>
      c.keys.map((key) => ({
        contact: c,
        tenantId: c.tenantId,
        hash: erasedContactHash(this.sensitive, c.tenantId, key),
      })),
    );
    if (probes.length === 0) return new Map();
    const rows = await manager.query<
      { tenant_id: string; key_hash: Buffer; erased_at: Date; id: string; station_ids: string[] }[]
    >(
      `SELECT t.tenant_id, t.key_hash, t.erased_at, c.id, c.station_ids
         FROM customers.erased_contacts t
         JOIN customers.customers c ON c.tenant_id = t.tenant_id AND c.id = t.customer_id
        WHERE (t.tenant_id, t.key_hash) IN (SELECT * FROM unnest($1::uuid[], $2::bytea[]))`,
      [probes.map((p) => p.tenantId), probes.map((p) => p.hash)],
    );
    const byKey = new Map(rows.map((r) => [`${r.tenant_id}:${r.key_hash.toString('hex')}`, r]));
    const found = new Map<Contact, Match>();
    for (const probe of probes) {
      const row = byKey.get(`${probe.tenantId}:${probe.hash.toString('hex')}`);
      const madeAt = Date.parse(probe.contact.event.occurredAt);
      if (row && !found.has(probe.contact) && madeAt <= row.erased_at.getTime()) {
        found.set(probe.contact, { id: row.id, station_ids: row.station_ids });
      }
    }
    return found;
  }

  /**
   * The stored customer for each identifier of the batch, keyed `<tenant>:<key>`: the one holding
   * the external id, the newest with the phone, the newest with the e-mail. One statement. An
   * erased customer has none of them left, and is ruled out besides: the person's details coming
   * again make a new customer, never bring the erased one back. A merged customer still holds its
   * details (kept for an undo): a contact it matches resolves to its survivor, the end of its chain
   * of merges, so a partner's late event about the duplicate lands on the survivor.
   */
  private async match(manager: EntityManager, contacts: Contact[]): Promise<Map<string, Match>> {
    const ext = contacts.filter((c) => c.externalId);
    const phones = contacts.filter((c) => c.phone);
    const emails = contacts.filter((c) => c.email);
    if (ext.length + phones.length + emails.length === 0) return new Map();
    const rows = await manager.query<(Match & { tenant_id: string; key: string })[]>(
      `WITH found AS (
         SELECT k.tenant_id, 'x:' || k.system || ':' || k.value AS key, c.id, c.status
           FROM unnest($1::uuid[], $2::text[], $3::text[]) AS k(tenant_id, system, value)
           JOIN customers.customer_external_ids x
             ON x.tenant_id = k.tenant_id AND x.system = k.system AND x.external_id = k.value
           JOIN customers.customers c ON c.tenant_id = x.tenant_id AND c.id = x.customer_id
          WHERE c.status <> 'erased'
         UNION ALL
         SELECT k.tenant_id, 'p:' || k.value, c.id, c.status
           FROM unnest($4::uuid[], $5::text[]) AS k(tenant_id, value)
           CROSS JOIN LATERAL (
             SELECT id, status FROM customers.customers
              WHERE tenant_id = k.tenant_id AND phone = k.value AND status <> 'erased'
              ORDER BY id DESC LIMIT 1) c
         UNION ALL
         SELECT k.tenant_id, 'e:' || k.value, c.id, c.status
           FROM unnest($6::uuid[], $7::text[]) AS k(tenant_id, value)
           CROSS JOIN LATERAL (
             SELECT id, status FROM customers.customers
              WHERE tenant_id = k.tenant_id AND email = k.value AND status <> 'erased'
              ORDER BY id DESC LIMIT 1) c
       )
       SELECT f.tenant_id, f.key, s.id, s.station_ids
         FROM found f
         JOIN customers.customers s ON s.tenant_id = f.tenant_id
          AND s.id = CASE WHEN f.status = 'merged'
                          THEN customers.merge_chain_end(f.tenant_id, f.id) ELSE f.id END
        WHERE s.status <> 'erased'`,
      [
        ext.map((c) => c.tenantId),
        ext.map((c) => c.externalId!.system),
        ext.map((c) => c.externalId!.id),
        phones.map((c) => c.tenantId),
        phones.map((c) => c.phone!.e164),
        emails.map((c) => c.tenantId),
        emails.map((c) => c.email),
      ],
    );
    return new Map(rows.map((r) => [`${r.tenant_id}:${r.key}`, r]));
  }
}

/** The keyed hash an erased customer's contact identifier is kept as (`erased_contacts`). */
export function erasedContactHash(sensitive: SensitiveData, tenantId: string, key: string): Buffer {
  return sensitive.lookup(tenantId, 'erased-contact', key);
}

/** A contact's identifiers as the resolution locks and looks them up: see `Contact.keys`. */
export function contactKeys(identifiers: {
  externalIds: { system: string; id: string }[];
  /** E.164. */
  phone: string | null;
  /** Lower-cased. */
  email: string | null;
}): string[] {
  return [
    ...identifiers.externalIds.map((e) => `x:${e.system}:${e.id}`),
    ...(identifiers.phone ? [`p:${identifiers.phone}`] : []),
    ...(identifiers.email ? [`e:${identifiers.email}`] : []),
  ];
}

/**
 * The advisory locks of contact identifiers, held to the end of the transaction: two partner
 * events with the same new contact make one customer, and an erasure clearing a customer's
 * identifiers and a resolution looking them up take turns.
 */
export function lockContactKeys(
  manager: EntityManager,
  keys: { tenantId: string; key: string }[],
): Promise<void> {
  return lockKeys(
    manager,
    keys.map(({ tenantId, key }) => `customers:contact:${tenantId}:${key}`),
  );
}

/**
 * A partner event's contact details normalised as the resolution reads them (the phone in
 * Finland's plan when it has no country code, the e-mail lower-cased), with their keys.
 */
function identifiersOf(
  contact: PartnerContact,
): Pick<Contact, 'phone' | 'email' | 'externalId' | 'keys'> {
  const phone = contact.phone ? normalisePhone(contact.phone, 'FI') : null;
  const email = contact.email?.trim().toLowerCase() || null;
  const externalId = contact.externalId ?? null;
  const keys = contactKeys({
    externalIds: externalId ? [externalId] : [],
    phone: phone?.e164 ?? null,
    email,
  });
  return { phone, email, externalId, keys };
}

/** The keys of a partner event's contact details (`Contact.keys`). */
export function partnerContactKeys(contact: PartnerContact): string[] {
  return identifiersOf(contact).keys;
}

function contactOf(
  event: KnownEventEnvelope,
  tenantId: string,
  payload: ContactPayload,
  contact: PartnerContact,
): Contact {
  return { event, tenantId, payload, contact, ...identifiersOf(contact) };
}

/** The customer a contact makes, or null without a name: a name alone never suffices either. */
function newCustomer(c: Contact): CustomerWrite | null {
  const firstName = c.contact.firstName?.trim() || null;
  const lastName = c.contact.lastName?.trim() || null;
  const companyName = c.contact.companyName?.trim() || null;
  if (!firstName && !lastName && !companyName) return null;
  return {
    ...blankCard(),
    kind: companyName && !firstName && !lastName ? 'company' : 'person',
    first_name: firstName,
    last_name: lastName,
    company_name: companyName,
    phone: c.phone?.e164 ?? null,
    phone_raw: c.phone?.raw ?? null,
    phone_national: c.phone?.nationalDigits ?? null,
    email: c.email,
    customer_number: '',
    station_ids: [c.payload.stationId],
    external_ids: c.externalId ? [c.externalId] : [],
  };
}
