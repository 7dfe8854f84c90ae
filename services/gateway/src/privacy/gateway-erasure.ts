import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ErasureParticipant, EventConsumer, Outbox } from '@kanta/messaging';
import { GATEWAY_SCHEMA } from '../database/schema';

/**
 * The gateway's part in an erasure. Its own tables hold the tenant's staff (users, stations,
 * partner keys), never a customer; what can hold a customer is a message. A partner event, the
 * one message with a person's contact details, leaves the outbox in the transaction that marks
 * it published (the relay's forgetPublished), so one still there has not reached
 * any service and no customer stems from it yet. What is left is what the participant
 * mechanism erases after the (empty) eraser: dead letters and published outbox rows naming the
 * customer's id. `partner_event_ids` stays: ids, tenants and times, which keep a partner's event
 * id from being taken by another tenant.
 */
@Injectable()
export class GatewayErasure implements OnModuleInit {
  private readonly participant = new ErasureParticipant('gateway', GATEWAY_SCHEMA);

  constructor(
    private readonly consumer: EventConsumer,
    private readonly outbox: Outbox,
  ) {}

  onModuleInit(): void {
    this.participant.register(this.consumer, this.outbox, () => Promise.resolve({ counts: {} }));
  }
}
