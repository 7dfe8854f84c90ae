import type { ConfirmChannel } from 'amqplib';
import type { EventEnvelope } from '@kanta/contracts';
import type { BrokerConnection, ManagedChannel } from './broker-connection';
import { errorText, eventPublishOptions, type OutgoingEvent } from './message-format';
import { assertEventExchange } from './topology';

/** A batch's publishes whose confirms did not come in time: the broker's trouble, not a row's. */
export const NO_CONFIRM = 'no publisher confirm in time';

/** Said of every event of a batch when no channel is open (the broker away). */
export const BROKER_UNAVAILABLE = 'broker unavailable';

/**
 * Publishes serialised events to the events exchange on confirm channels and waits for all their
 * confirms together: one round trip per batch instead of one per event. Messages are mandatory,
 * so one nobody could route comes back before its confirm; the channels given to `watch` report
 * those, and such an event counts as not published. The outbox relay publishes with it; so does
 * a producer that sends without an outbox (DirectEventPublisher).
 */
export class ConfirmedPublisher {
  private readonly returned = new Set<string>();

  constructor(
    private readonly exchange: string,
    private readonly confirmTimeoutMs: number,
  ) {}

  /** Listens for the messages the broker returns on this channel (whichever confirm they hold up). */
  watch(channel: ManagedChannel): void {
    channel.on('return', (messageId: string) => this.returned.add(messageId));
  }

  /**
   * Publishes every event without waiting in between, then waits for all the confirms. Returns,
   * per event, null when confirmed or the reason it was not (NO_CONFIRM for all of them when the
   * confirms took longer than the timeout).
   */
  async publish(
    channel: ConfirmChannel,
    events: readonly OutgoingEvent[],
  ): Promise<(string | null)[]> {
    const confirms = events.map(
      (event) =>
        new Promise<string | null>((resolve) => {
          try {
            // The return value only signals a full socket buffer; a batch is bounded, so the
            // buffer is allowed to grow by one batch rather than waiting for 'drain'.
            channel.publish(
              this.exchange,
              event.type,
              event.body,
              eventPublishOptions(event),
              (err) => {
                if (err) resolve(errorText(err));
                else if (this.returned.delete(event.eventId))
                  resolve('unroutable: returned by broker');
                else resolve(null);
              },
            );
          } catch (error) {
            resolve(errorText(error));
          }
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.confirmTimeoutMs);
    });
    const settled = await Promise.race([Promise.all(confirms), timeout]);
    clearTimeout(timer);
    if (settled === 'timeout') return events.map(() => NO_CONFIRM);
    return settled;
  }
}

export interface DirectEventPublisherOptions {
  broker: BrokerConnection;
  eventsExchange: string;
  /** Names the channel (`direct:<name>`) in logs. */
  name: string;
  /** How long a publish waits for its confirms before it counts as failed (default 5 s). */
  confirmTimeoutMs?: number;
}

/**
 * Publishes events straight to the events exchange, confirmed, without the outbox: for a producer
 * whose events are not the effect of a database change (there is no transaction to be atomic
 * with) and that has its own fallback when a publish fails — the gateway's access records, which
 * go into its outbox instead. Never waits for the broker: while no channel is open, a publish
 * fails at once. An event that was sent but not confirmed may still arrive; whoever falls back
 * keeps its event id, so consumers' inboxes take it once.
 */
export class DirectEventPublisher {
  private readonly publisher: ConfirmedPublisher;
  private channel: ManagedChannel | undefined;

  constructor(private readonly options: DirectEventPublisherOptions) {
    this.publisher = new ConfirmedPublisher(
      options.eventsExchange,
      options.confirmTimeoutMs ?? 5000,
    );
  }

  start(): void {
    if (this.channel) return;
    this.channel = this.options.broker.openChannel(`direct:${this.options.name}`, (ch) =>
      assertEventExchange(ch, this.options.eventsExchange).then(() => undefined),
    );
    this.publisher.watch(this.channel);
  }

  async stop(): Promise<void> {
    const channel = this.channel;
    this.channel = undefined;
    await channel?.close();
  }

  /**
   * Publishes the envelopes and waits for their confirms; per envelope, null when confirmed or
   * the reason it was not.
   */
  async publish(envelopes: readonly EventEnvelope[]): Promise<(string | null)[]> {
    const channel = this.options.broker.isConnected() ? this.channel?.current : undefined;
    if (!channel) return envelopes.map(() => BROKER_UNAVAILABLE);
    return this.publisher.publish(
      channel,
      envelopes.map((envelope) => ({
        eventId: envelope.eventId,
        type: envelope.type,
        producer: envelope.producer,
        correlationId: envelope.correlationId,
        body: Buffer.from(JSON.stringify(envelope), 'utf8'),
      })),
    );
  }
}
