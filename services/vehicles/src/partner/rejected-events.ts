import { Controller, Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  PARTNER_EVENT_REFUSED_V1,
  redactedPartnerPayload,
  RejectedEventsQueryDto,
  VEHICLES,
  type CallerContext,
  type RejectedPartnerEventPage,
  type RejectedPartnerEventView,
  isUuid,
} from '@kanta/contracts';
import { EventConsumer, looseEnvelope, type InvalidMessage } from '@kanta/messaging';
import { Handles, RpcProblem, decodeKeysetCursor, uuidv7 } from '@kanta/platform';
import { requireTenant } from '../caller-access';
import { pageOf } from '../cursor';

interface RejectedRow {
  id: string;
  event_id: string | null;
  type: string | null;
  producer: string | null;
  reason: string;
  payload: unknown;
  received_at: Date;
}

/**
 * Keeps a record of every partner event the consumer refused as invalid (it goes on to the DLQ
 * with the reason in its headers), so admins can see what their partners sent wrong without
 * access to the broker. The payload is kept with its personal fields replaced.
 */
@Injectable()
export class RejectedPartnerEvents implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventConsumer,
  ) {}

  onModuleInit(): void {
    this.events.onInvalid((message) => this.record(message));
    // What the consents service alone refused (the payload kept there, in its DLQ); once, also
    // when it is refused again after a replay from the DLQ.
    this.events.on(PARTNER_EVENT_REFUSED_V1, (e, { manager }) =>
      this.insert(manager, {
        once: true,
        tenantId: e.tenantId,
        eventId: e.payload.partnerEventId,
        type: e.payload.partnerEventType,
        producer: e.payload.producer,
        reason: `consents service: ${e.payload.reason}`,
        payload: null,
      }),
    );
  }

  async record(message: InvalidMessage): Promise<void> {
    const envelope = looseEnvelope(message.content);
    const type = typeof envelope?.type === 'string' ? envelope.type : message.routingKey;
    if (!type.startsWith('partner.')) return;
    const tenantId =
      typeof envelope?.tenantId === 'string' && isUuid(envelope.tenantId)
        ? envelope.tenantId
        : null;
    const text = (value: unknown): string | null =>
      typeof value === 'string' ? value.slice(0, 200) : null;
    await this.insert(this.dataSource, {
      tenantId,
      eventId: text(envelope?.eventId) ?? message.messageId ?? null,
      type: type.slice(0, 200),
      producer: text(envelope?.producer),
      reason: message.reason,
      payload: redactedPartnerPayload(envelope?.payload),
    });
  }

  private async insert(
    runner: DataSource | EntityManager,
    r: {
      /** Not when the tenant has a record of this event with this reason. */
      once?: boolean;
      tenantId: string | null;
      eventId: string | null;
      type: string;
      producer: string | null;
      reason: string;
      payload: unknown;
    },
  ): Promise<void> {
    await runner.query(
      `INSERT INTO vehicles.rejected_partner_events
         (id, tenant_id, event_id, type, producer, reason, payload)
       SELECT $1, $2, $3, $4, $5, $6, $7
        WHERE NOT $8 OR NOT EXISTS (
          SELECT 1 FROM vehicles.rejected_partner_events
           WHERE tenant_id = $2 AND event_id = $3 AND reason = $6)`,
      [
        uuidv7(),
        r.tenantId,
        r.eventId,
        r.type,
        r.producer,
        r.reason,
        JSON.stringify(r.payload),
        r.once ?? false,
      ],
    );
  }

  async list(
    context: CallerContext,
    query: RejectedEventsQueryDto,
  ): Promise<RejectedPartnerEventPage> {
    const tenant = requireTenant(context);
    if (context.role !== 'admin')
      throw RpcProblem.forbidden('Rejected partner events are for admins.');
    const limit = query.limit ?? 50;
    const after = query.cursor
      ? decodeKeysetCursor(query.cursor, (parts) => parts.length === 1 && isUuid(parts[0]))[0]
      : null;
    const rows = await this.dataSource.query<RejectedRow[]>(
      `SELECT id, event_id, type, producer, reason, payload, received_at
         FROM vehicles.rejected_partner_events
        WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id < $2::uuid)
        ORDER BY id DESC LIMIT $3`,
      [tenant.id, after, limit + 1],
    );
    return pageOf(rows, limit, toView, (row) => [row.id]);
  }
}

@Controller()
export class RejectedPartnerEventsController {
  constructor(private readonly rejected: RejectedPartnerEvents) {}

  @Handles(VEHICLES.rejectedPartnerEvents)
  list(caller: CallerContext, data: RejectedEventsQueryDto): Promise<RejectedPartnerEventPage> {
    return this.rejected.list(caller, data);
  }
}

function toView(row: RejectedRow): RejectedPartnerEventView {
  return {
    id: row.id,
    eventId: row.event_id,
    type: row.type,
    producer: row.producer,
    reason: row.reason,
    receivedAt: new Date(row.received_at).toISOString(),
    payload: row.payload,
  };
}
