import { lockKeys } from '@kanta/database';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  CONTACT_RESOLVED_V1,
  PARTNER_EVENT_REFUSED_V1,
  PARTNER_BOOKING_CREATED_V1,
  PARTNER_CUSTOMER_SUBMITTED_V1,
  type ConsentSource,
  type PartnerBookingCreatedV1,
  type PartnerConsentDecision,
  type PartnerConsentsPart,
  type PartnerCustomerSubmittedV1,
  type PartnerPreferences,
} from '@kanta/contracts';
import {
  EventConsumer,
  InvalidEventError,
  Outbox,
  type InvalidMessage,
  type KnownEventEnvelope,
} from '@kanta/messaging';
import { CustomerDirectory } from '../customers/customer-directory';
import { ConsentLedger } from '../ledger/consent-ledger.service';
import { CommunicationPreferences } from '../preferences/communication-preferences.service';

/** The partner event types that can carry consents and preferences. */
const CARRIERS: readonly string[] = [PARTNER_BOOKING_CREATED_V1, PARTNER_CUSTOMER_SUBMITTED_V1];

/** What a partner event gave, kept until its customer is known. */
interface Given {
  tenantId: string;
  partnerEventId: string;
  partner: string;
  source: ConsentSource;
  decisions: PartnerConsentDecision[];
  preferences: PartnerPreferences | null;
  correlationId: string | null;
}

interface PendingRow {
  partner: string;
  source: ConsentSource;
  decisions: PartnerConsentDecision[];
  preferences: PartnerPreferences | null;
  correlation_id: string | null;
}

/** Where the customer gave the decisions: the kiosk, or online (a booking form, a check-in). */
function sourceOf(payload: PartnerBookingCreatedV1 | PartnerCustomerSubmittedV1): ConsentSource {
  const channel = 'source' in payload ? payload.source : (payload.channel ?? 'online_booking');
  if (channel === 'kiosk') return 'kiosk';
  if (['online_booking', 'marketplace', 'online_check_in'].includes(channel)) {
    return 'online_booking';
  }
  // Entered by staff in a dealer management system, or taken on the phone: the partner's API.
  return 'api';
}

/**
 * Consents and communication preferences that partner events carry (an online booking form, a
 * kiosk, an online check-in): recorded in the ledger and the preferences with the partner as the
 * recorder, for the customer the event's contact details resolve to. That answer comes from the
 * customers service (`customers.contact.resolved.v1`) and may arrive before or after the partner
 * event; whichever comes second records, under one advisory lock per partner event. A decision
 * naming a text the tenant never published makes the event invalid here (dead-lettered with the
 * reason; the gateway refuses it over HTTP before it is published).
 */
@Injectable()
export class PartnerConsentsConsumer implements OnModuleInit {
  private readonly logger = new Logger('PartnerConsents');

  constructor(
    private readonly events: EventConsumer,
    private readonly ledger: ConsentLedger,
    private readonly preferences: CommunicationPreferences,
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly customers: CustomerDirectory,
  ) {}

  onModuleInit(): void {
    const given = async (
      event: {
        type: string;
        eventId: string;
        tenantId: string | null;
        producer: string;
        correlationId: string | null;
        payload: PartnerBookingCreatedV1 | PartnerCustomerSubmittedV1;
      },
      manager: EntityManager,
    ): Promise<void> => {
      const part: PartnerConsentsPart = event.payload;
      // Nothing to record; and its answer says so (carriesConsents false), so nothing waits.
      // Without contact details there are no consents either (the payload rules).
      if (!event.payload.customer || (!part.consents && !part.preferences)) return;
      await this.given(manager, {
        tenantId: event.tenantId as string,
        partnerEventId: event.eventId,
        partner: event.producer.replace(/^partner:/, ''),
        source: sourceOf(event.payload),
        decisions: part.consents ?? [],
        preferences: part.preferences ?? null,
        correlationId: event.correlationId,
      });
    };
    this.events.onInvalid((message) => this.refused(message));
    this.events
      .on(PARTNER_BOOKING_CREATED_V1, (e, { manager }) => given(e, manager))
      .on(PARTNER_CUSTOMER_SUBMITTED_V1, (e, { manager }) => given(e, manager))
      .on(CONTACT_RESOLVED_V1, async (e, { manager }) => {
        if (!CARRIERS.includes(e.payload.partnerEventType)) return;
        if (e.payload.carriesConsents === false) return;
        await this.resolved(manager, e.tenantId as string, e.payload.partnerEventId, {
          customerId: e.payload.customerId,
        });
      });
  }

  /**
   * A partner event this service refused for its own reason (a decision naming no text of the
   * tenant) goes to its DLQ, while the vehicles and customers services took it: they cannot see
   * that, so it is announced for the tenant's list of rejected partner events. What every
   * consumer refuses alike (the schemas and rules) the vehicles service records itself.
   */
  private async refused(message: InvalidMessage): Promise<void> {
    if (message.refusedBy !== 'handler') return;
    const event = JSON.parse(message.content.toString('utf8')) as KnownEventEnvelope;
    if (!event.type.startsWith('partner.') || !event.tenantId) return;
    await this.dataSource.transaction((manager) =>
      this.outbox.enqueue(manager, [
        {
          type: PARTNER_EVENT_REFUSED_V1,
          tenantId: event.tenantId,
          correlationId: event.correlationId,
          payload: {
            partnerEventId: event.eventId,
            partnerEventType: event.type,
            producer: event.producer,
            reason: message.reason,
          },
        },
      ]),
    );
  }

  /**
   * A partner event with consents or preferences (its answer says `carriesConsents`): recorded
   * now if the answer is here, or kept until it comes.
   */
  private async given(manager: EntityManager, given: Given): Promise<void> {
    const problems = await this.ledger.problems(manager, given.tenantId, given.decisions);
    if (problems.length > 0) {
      throw new InvalidEventError(
        problems
          .map(
            (p) =>
              `payload.consents.${p.field.replace(/^decisions\./, '')} ${p.reason}: ${p.message}`,
          )
          .join('; '),
      );
    }
    await lockPartnerEvent(manager, given.tenantId, given.partnerEventId);
    // A DELETE … RETURNING answers [rows, count].
    const [[answer]] = await manager.query<[{ customer_id: string | null }[], number]>(
      `DELETE FROM consents.partner_resolutions WHERE tenant_id = $1 AND partner_event_id = $2
       RETURNING customer_id`,
      [given.tenantId, given.partnerEventId],
    );
    if (answer) {
      await this.record(manager, given, answer.customer_id);
      return;
    }
    await manager.query(
      `INSERT INTO consents.partner_pending (tenant_id, partner_event_id, partner, source,
         decisions, preferences, correlation_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [
        given.tenantId,
        given.partnerEventId,
        given.partner,
        given.source,
        JSON.stringify(given.decisions),
        given.preferences === null ? null : JSON.stringify(given.preferences),
        given.correlationId,
      ],
    );
  }

  /**
   * The customers service's answer to an event that carried consents or preferences: record what
   * the waiting event gave, or wait for the event. Either way one of the two rows is taken by the
   * other, whatever the order — also when both are handled in one transaction (a consumer batch).
   */
  private async resolved(
    manager: EntityManager,
    tenantId: string,
    partnerEventId: string,
    answer: { customerId: string | null },
  ): Promise<void> {
    await lockPartnerEvent(manager, tenantId, partnerEventId);
    const [[pending]] = await manager.query<[PendingRow[], number]>(
      `DELETE FROM consents.partner_pending WHERE tenant_id = $1 AND partner_event_id = $2
       RETURNING partner, source, decisions, preferences, correlation_id`,
      [tenantId, partnerEventId],
    );
    if (pending) {
      await this.record(
        manager,
        {
          tenantId,
          partnerEventId,
          partner: pending.partner,
          source: pending.source,
          decisions: pending.decisions,
          preferences: pending.preferences,
          correlationId: pending.correlation_id,
        },
        answer.customerId,
      );
      return;
    }
    await manager.query(
      `INSERT INTO consents.partner_resolutions (tenant_id, partner_event_id, customer_id)
       VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [tenantId, partnerEventId, answer.customerId],
    );
  }

  private async record(
    manager: EntityManager,
    given: Given,
    customerId: string | null,
  ): Promise<void> {
    if (customerId === null) {
      // The gateway and the payload rules require a phone, e-mail or external id with consents,
      // so this is a contact with no match and no name: there is nobody to record them for.
      this.logger.warn(
        `partner event ${given.partnerEventId}: contact details resolved to no customer; ` +
          `${given.decisions.length} consent decision(s) and the preferences not recorded`,
      );
      return;
    }
    // An answer naming a customer merged since goes to the survivor (a late answer, a replay).
    // One published before the customer's erasure and handled after it: the waiting row is
    // taken (so it goes too), and nothing of it is recorded for the erased customer.
    const recipient = await this.customers.recipient(manager, given.tenantId, customerId);
    if (recipient === null) {
      this.logger.warn(
        `partner event ${given.partnerEventId}: the customer is erased; ` +
          `${given.decisions.length} consent decision(s) and the preferences not recorded`,
      );
      return;
    }
    const recorder = { partner: given.partner };
    if (given.decisions.length > 0) {
      const rejected = await this.ledger.recordFromEvent(
        manager,
        given.tenantId,
        recipient,
        given.correlationId,
        { source: given.source, recorder, decisions: given.decisions },
      );
      if (rejected.length > 0) {
        throw new Error(
          `partner event ${given.partnerEventId}: decisions checked on arrival no longer valid`,
        );
      }
    }
    if (given.preferences) {
      await this.preferences.apply(
        manager,
        given.correlationId,
        given.tenantId,
        recipient,
        given.preferences,
        { recorder },
      );
    }
  }
}

/** A partner event and the answer about its contact never run at the same time. */
async function lockPartnerEvent(
  manager: EntityManager,
  tenantId: string,
  partnerEventId: string,
): Promise<void> {
  await lockKeys(manager, [`consents:${tenantId}:partner-event:${partnerEventId}`]);
}
