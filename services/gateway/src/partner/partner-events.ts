import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  occurredTooFarAhead,
  problemType,
  type AcceptedPartnerEventView,
  type CallerContext,
  type EventType,
  type PartnerConsentsPart,
  type PartnerEventDto,
} from '@kanta/contracts';
import { Outbox } from '@kanta/messaging';
import { ProblemError, uuidv7 } from '@kanta/platform';
import { ConsentsService } from '../consents/consents.service';
import { uniqueViolation } from '@kanta/database';
import type { PartnerIdentity } from './partner-keys';
import { PartnerPayloads } from './partner-payloads';

/**
 * Partner events that arrive over HTTP: checked against the same schemas the consumers use (a
 * 422 with field errors, so the partner learns at once), stamped with the key's tenant and
 * partner, and published through the gateway's outbox in the same way services publish theirs.
 * The partner's own event id makes a retried POST the same event: accepted again (202,
 * `duplicate: true`) but published once.
 */
@Injectable()
export class PartnerEvents {
  private readonly payloads = new PartnerPayloads();

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly consents: ConsentsService,
  ) {}

  async accept(
    partner: PartnerIdentity,
    body: PartnerEventDto,
    correlationId: string,
  ): Promise<AcceptedPartnerEventView> {
    if (!this.payloads.isKnown(body.type)) {
      throw ProblemError.field(
        'type',
        'unknown_type',
        'type must be one of the partner event types (partner.*.v1)',
      );
    }
    if (body.occurredAt && occurredTooFarAhead(body.occurredAt)) {
      throw ProblemError.field(
        'occurredAt',
        'too_far_ahead',
        'occurredAt must not be more than a day ahead of now',
      );
    }
    const errors = this.payloads.problems(body.type, body.payload);
    if (errors.length === 0 && !(await this.isTenantStation(partner.tenant.id, body.payload))) {
      errors.push({
        field: 'payload.stationId',
        reason: 'unknown_station',
        message: 'payload.stationId must be a station of your tenant',
      });
    }
    if (errors.length > 0) {
      throw new ProblemError({
        type: problemType('validation'),
        title: 'Validation failed',
        status: 422,
        detail: `The ${body.type} event is not valid.`,
        errors,
      });
    }
    const { consents } = body.payload as PartnerConsentsPart;
    if (consents) {
      await this.consents.checkDecisions(
        this.partnerContext(partner, correlationId),
        { decisions: consents },
        'payload.consents',
      );
    }
    const eventId = body.eventId?.toLowerCase() ?? uuidv7();
    const taken = () =>
      ProblemError.field('eventId', 'taken', 'eventId is already in use; send a new one');
    const duplicate = await this.dataSource
      .transaction(async (manager) => {
        // One tenant's for good: the outbox holds an event id once, whatever its tenant. A
        // concurrent request with the same id waits here for the first one's commit.
        const kept = await manager.query<unknown[]>(
          `INSERT INTO gateway.partner_event_ids (event_id, tenant_id) VALUES ($1, $2)
           ON CONFLICT (event_id) DO NOTHING RETURNING 1`,
          [eventId, partner.tenant.id],
        );
        if (kept.length === 0) {
          // A statement of its own: it sees the row a concurrent request just committed.
          const [owner] = await manager.query<{ tenant_id: string }[]>(
            'SELECT tenant_id FROM gateway.partner_event_ids WHERE event_id = $1',
            [eventId],
          );
          if (owner?.tenant_id !== partner.tenant.id) throw taken();
          return true;
        }
        await this.outbox.enqueue(manager, [
          {
            type: body.type as EventType,
            tenantId: partner.tenant.id,
            correlationId,
            payload: body.payload as never,
            eventId,
            occurredAt: body.occurredAt ? new Date(body.occurredAt).toISOString() : undefined,
            producer: `partner:${partner.partner}`,
          },
        ]);
        return false;
      })
      .catch((error: unknown) => {
        // An id the gateway itself used (a station announcement's): not the partner's to take.
        throw uniqueViolation(error) === 'outbox_event_id_key' ? taken() : error;
      });
    return { eventId, type: body.type, duplicate };
  }

  /**
   * A partner acts in its tenant and on no station: asking the consents service whether the
   * tenant's texts back the event's decisions needs no more.
   */
  private partnerContext(partner: PartnerIdentity, correlationId: string): CallerContext {
    return {
      tenant: partner.tenant,
      userId: `partner:${partner.partner}`,
      role: 'worker',
      stationIds: [],
      currentStationId: null,
      correlationId,
    };
  }

  /** Every partner event names a station; over HTTP it is checked against the key's tenant. */
  private async isTenantStation(
    tenantId: string,
    payload: Record<string, unknown>,
  ): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      'SELECT 1 FROM gateway.stations WHERE tenant_id = $1 AND id = $2',
      [tenantId, String(payload.stationId).toLowerCase()],
    );
    return rows.length > 0;
  }
}
