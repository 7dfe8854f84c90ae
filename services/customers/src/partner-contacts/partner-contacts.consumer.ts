import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  CONTACT_RESOLVED_V1,
  isPartnerEventType,
  type ContactResolvedV1,
  type CustomerOrigin,
  type PartnerContact,
} from '@kanta/contracts';
import { EventConsumer, Outbox, type KnownEventEnvelope } from '@kanta/messaging';
import { uuidv7 } from '@kanta/platform';
import { customerCreatedEvent } from '../customers/customer-events';
import type { CustomerWrite } from '../customers/customer-row';
import { insertCustomerStatement } from '../customers/customers.repository';
import { normalisePhone } from '../customers/phone';
import { SensitiveData } from '../sensitive/sensitive-data';

interface ContactPayload {
  stationId: string;
  source?: string;
  customer?: PartnerContact;
}

type Resolution = Pick<ContactResolvedV1, 'customerId' | 'outcome' | 'stationIds'>;

/** Where a customer created from a partner event came from. */
function originOf(type: string, payload: ContactPayload): CustomerOrigin {
  if (type.startsWith('partner.booking.')) return 'online_booking';
  if (payload.source === 'pos') return 'pos';
  if (payload.source === 'kiosk') return 'kiosk';
  if (payload.source === 'online_check_in') return 'online_booking';
  return 'api';
}

/**
 * Resolves the contact details partner events carry to a customer: the one holding the external
 * id, else the one with that exact E.164 phone, else that e-mail (lower-cased); none matching, a
 * new one when the details suffice — a name and a phone, e-mail or external id; a name alone
 * never creates a customer. Answers with `customers.contact.resolved.v1`, which the vehicles
 * service attaches to what the same partner event recorded. Runs in the inbox transaction, so a
 * redelivered partner event resolves (and creates) once; an advisory lock per identifier keeps
 * two events with the same new contact from creating two customers.
 */
@Injectable()
export class PartnerContactsConsumer implements OnModuleInit {
  constructor(
    private readonly events: EventConsumer,
    private readonly sensitive: SensitiveData,
    private readonly outbox: Outbox,
  ) {}

  onModuleInit(): void {
    this.events.onPattern('partner.#', async (event, { manager }) => {
      const payload = event.payload as ContactPayload;
      if (!isPartnerEventType(event.type) || event.tenantId === null || !payload.customer) return;
      const resolution = await this.resolve(
        manager,
        event,
        event.tenantId,
        payload,
        payload.customer,
      );
      await this.outbox.enqueue(manager, [
        {
          type: CONTACT_RESOLVED_V1,
          tenantId: event.tenantId,
          correlationId: event.correlationId,
          payload: { partnerEventId: event.eventId, partnerEventType: event.type, ...resolution },
        },
      ]);
    });
  }

  private async resolve(
    manager: EntityManager,
    event: KnownEventEnvelope,
    tenantId: string,
    payload: ContactPayload,
    contact: PartnerContact,
  ): Promise<Resolution> {
    const phone = contact.phone ? normalisePhone(contact.phone, 'FI') : null;
    const email = contact.email?.trim().toLowerCase() || null;
    const externalId = contact.externalId ?? null;
    const keys = [
      externalId && `x:${externalId.system}:${externalId.id}`,
      phone && `p:${phone.e164}`,
      email && `e:${email}`,
    ].filter((k): k is string => Boolean(k));
    if (keys.length === 0) return { customerId: null, outcome: 'insufficient', stationIds: [] };
    for (const key of keys.sort()) {
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `customers:contact:${tenantId}:${key}`,
      ]);
    }
    const match = await this.match(manager, tenantId, externalId, phone?.e164 ?? null, email);
    if (match) return { customerId: match.id, outcome: 'matched', stationIds: match.station_ids };

    const firstName = contact.firstName?.trim() || null;
    const lastName = contact.lastName?.trim() || null;
    const companyName = contact.companyName?.trim() || null;
    if (!firstName && !lastName && !companyName) {
      return { customerId: null, outcome: 'insufficient', stationIds: [] };
    }
    const id = uuidv7();
    const write: CustomerWrite = {
      kind: companyName && !firstName && !lastName ? 'company' : 'person',
      first_name: firstName,
      last_name: lastName,
      company_name: companyName,
      business_id: null,
      phone: phone?.e164 ?? null,
      phone_raw: phone?.raw ?? null,
      phone_national: phone?.nationalDigits ?? null,
      email,
      addresses: [],
      notes: null,
      status: 'active',
      customer_number: await allocateNumber(manager, tenantId),
      station_ids: [payload.stationId],
      external_ids: externalId ? [externalId] : [],
      description: null,
      group_ids: [],
      source_id: null,
      regular_of_user_id: null,
      discount_percent: null,
      name_day: null,
      birthday: null,
      documents: [],
      internal: false,
      leasing_company: false,
      leasing_company_id: null,
    };
    const origin = originOf(event.type, payload);
    const { text, values } = insertCustomerStatement(
      {
        tenantId,
        id,
        origin,
        write,
        idempotency: null,
        events: (first) =>
          this.outbox.statementPart(
            [customerCreatedEvent(tenantId, id, write, origin, event.correlationId)],
            first,
          ),
      },
      this.sensitive,
    );
    await manager.query(text, values);
    return { customerId: id, outcome: 'created', stationIds: write.station_ids };
  }

  /** The newest customer holding the external id, else the phone, else the e-mail. */
  private async match(
    manager: EntityManager,
    tenantId: string,
    externalId: { system: string; id: string } | null,
    phone: string | null,
    email: string | null,
  ): Promise<{ id: string; station_ids: string[] } | null> {
    const lookups: [string, unknown[]][] = [];
    if (externalId) {
      lookups.push([
        `SELECT c.id, c.station_ids FROM customers.customer_external_ids x
           JOIN customers.customers c ON c.tenant_id = x.tenant_id AND c.id = x.customer_id
          WHERE x.tenant_id = $1 AND x.system = $2 AND x.external_id = $3`,
        [tenantId, externalId.system, externalId.id],
      ]);
    }
    if (phone) {
      lookups.push([
        `SELECT id, station_ids FROM customers.customers
          WHERE tenant_id = $1 AND phone = $2 ORDER BY id DESC LIMIT 1`,
        [tenantId, phone],
      ]);
    }
    if (email) {
      lookups.push([
        `SELECT id, station_ids FROM customers.customers
          WHERE tenant_id = $1 AND email = $2 ORDER BY id DESC LIMIT 1`,
        [tenantId, email],
      ]);
    }
    for (const [sql, params] of lookups) {
      const rows = await manager.query<{ id: string; station_ids: string[] }[]>(sql, params);
      if (rows[0]) return rows[0];
    }
    return null;
  }
}

/**
 * A customer number from the tenant's sequence, on the handler's own connection: taking a second
 * connection from the pool while holding one would starve the pool when every handler does it.
 * nextval is not rolled back with the transaction, as in a create (numbers may have gaps).
 */
async function allocateNumber(manager: EntityManager, tenantId: string): Promise<string> {
  const rows = await manager.query<{ n: string }[]>(
    'SELECT customers.allocate_customer_number($1) AS n',
    [tenantId],
  );
  return rows[0].n;
}
