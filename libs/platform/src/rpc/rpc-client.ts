import { randomUUID } from 'node:crypto';
import type { Channel, ConsumeMessage } from 'amqplib';
import { connect, type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import {
  RPC_SHOWN_CUSTOMERS_HEADER,
  type CallerContext,
  type RpcOperation,
  type RpcRequest,
} from '@kanta/contracts';
import { ProblemError } from '../http/problem-error';
import { coalesceBrokerWrites } from '../amqp-writes';
import { AMQP_SOCKET_OPTIONS } from '../config';
import { isProblemDetails } from '../rpc-problem';

/**
 * Queue options every side asserts the same way. RabbitMQ refuses (and closes the channel on)
 * an assertion whose options differ from the queue's, so the server must use these too.
 */
export const RPC_QUEUE_OPTIONS = { durable: true } as const;

/** RabbitMQ's direct reply-to pseudo-queue: replies come back without a queue of our own. */
export const DIRECT_REPLY_QUEUE = 'amq.rabbitmq.reply-to';

export interface RpcClientOptions {
  /** The service's name, used in problem texts ("customers did not answer in time"). */
  service: string;
  amqpUrl: string;
  /** The service's command queue (RPC_QUEUES with the configured prefix). */
  queue: string;
  /**
   * How long a call waits for its answer. The request's deadline comes `replyGraceMs` earlier:
   * the service neither starts nor commits work after it, and the grace is for its answer to
   * travel back, so that a call that times out has had nothing done behind it.
   */
  timeoutMs: number;
  /** Default: a fifth of the timeout, at most a second. */
  replyGraceMs?: number;
  /** How long a first connection attempt may take before calls answer 503. */
  connectTimeoutMs?: number;
}

/**
 * A reply as Nest's RMQ transport writes it (our services and Nest's own ServerRMQ alike):
 * `err` for a failure, `response` for an answer, `isDisposed` on the last message of a reply.
 */
interface ReplyPacket {
  err?: unknown;
  response?: unknown;
  isDisposed?: boolean;
}

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: ProblemError): void;
  timer: NodeJS.Timeout;
  /** Resolve with the answer's JSON text (a JsonText) instead of the parsed value. */
  asText: boolean;
}

/** How one call is made. */
export interface RpcCallOptions {
  /** For a write: the client's Idempotency-Key, recorded as its command id instead of a new one. */
  idempotencyKey?: string;
  /** Instead of the client's timeout (a health check asks for less). */
  timeoutMs?: number;
}

/**
 * An answer's JSON exactly as the service wrote it, for the gateway to pass on without parsing
 * and serialising it again. `T` is what it holds, for the reader.
 */
export class JsonText<T = unknown> {
  declare readonly _holds?: T;

  /**
   * @param shownCustomers the customers the answer shows, when the service said so beside it
   *   (RpcOperation.shows); undefined when it did not (an operation without `shows`, an older
   *   service): read them from the text then.
   */
  constructor(
    readonly text: string,
    readonly shownCustomers?: readonly string[],
  ) {}
}

/** The customers a reply's answer shows, from its header (RpcOperation.shows). */
function shownCustomersOf(message: ConsumeMessage): string[] | undefined {
  const shown: unknown = message.properties.headers?.[RPC_SHOWN_CUSTOMERS_HEADER];
  if (typeof shown !== 'string') return undefined;
  return shown === '' ? [] : shown.split(',');
}

/** How our RpcServer (and Nest's ServerRMQ) write a successful reply around its answer. */
const ANSWER_START = '{"response":';
const ANSWER_END = ',"isDisposed":true}';

/**
 * Request/response to one service over RabbitMQ, speaking the wire format of Nest's RMQ
 * transport (`{ pattern, data, id }` out, `{ err | response, isDisposed }` back over direct
 * reply-to) without its machinery: a call is one publish on a set-up channel and one entry in a
 * map of calls in flight, settled by the reply, its timeout or the loss of the channel. Every
 * call has a timeout, a missing broker fails at once instead of queueing in memory, and the
 * service's problem documents come back as ProblemErrors.
 */
export class RpcClient {
  private manager: AmqpConnectionManager | null = null;
  private wrapper: ChannelWrapper | null = null;
  /** The set-up channel (queue asserted, reply consumer on), or null while there is none. */
  private channel: Channel | null = null;
  private connecting: Promise<void> | null = null;
  private readonly pending = new Map<string, PendingCall>();
  private readonly channelReady = new Set<() => void>();

  constructor(private readonly options: RpcClientOptions) {}

  get service(): string {
    return this.options.service;
  }

  get isConnected(): boolean {
    return this.channel !== null;
  }

  /**
   * Opens the connection; resolves false (never throws) when the broker cannot be reached, so
   * an app can start without it and report it in its health. Reconnection continues behind.
   */
  async connect(): Promise<boolean> {
    this.connecting ??= this.open();
    const bound = this.options.connectTimeoutMs ?? 3000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.connecting,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, bound))),
    ]);
    clearTimeout(timer);
    return this.isConnected;
  }

  /**
   * Calls `operation` of this client's service for `context` and resolves its answer. A write
   * carries a command id (the Idempotency-Key when given, else a new one) under which the service
   * records its effect once. Rejects with a ProblemError: the service's own problem (answered
   * unchanged), 503 when the broker is not there, 504 when no answer came in time (then nothing
   * was done: the request's deadline had passed for the service too).
   */
  call<TData, TResult>(
    operation: RpcOperation<TData, TResult>,
    context: CallerContext,
    data: NoInfer<TData>,
    options: RpcCallOptions = {},
  ): Promise<TResult> {
    return this.request<TData, TResult, TResult>(operation, context, data, options, false);
  }

  /**
   * As `call`, for an answer the caller passes on unchanged (a search page): it resolves the
   * answer's JSON text, saving a parse here and a serialisation in the HTTP reply.
   */
  relay<TData, TResult>(
    operation: RpcOperation<TData, TResult>,
    context: CallerContext,
    data: NoInfer<TData>,
    options: RpcCallOptions = {},
  ): Promise<JsonText<TResult>> {
    return this.request<TData, TResult, JsonText<TResult>>(operation, context, data, options, true);
  }

  private async request<TData, TResult, TAnswer>(
    operation: RpcOperation<TData, TResult>,
    context: CallerContext,
    data: NoInfer<TData>,
    options: RpcCallOptions,
    asText: boolean,
  ): Promise<TAnswer> {
    if (operation.service !== this.options.service) {
      throw new Error(`${operation.pattern} is not an operation of ${this.options.service}`);
    }
    if (!this.channel) {
      if (this.connecting === null) await this.connect();
      if (!this.channel) throw this.unavailable();
    }
    const channel = this.channel;
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    const grace = this.options.replyGraceMs ?? Math.min(1000, Math.floor(timeoutMs / 5));
    const deadline = Date.now() + timeoutMs - grace;
    const request: RpcRequest<TData> = { context, data, deadline };
    if (operation.kind === 'write') {
      request.command =
        options.idempotencyKey === undefined
          ? { id: randomUUID(), fromClient: false }
          : { id: options.idempotencyKey, fromClient: true };
    }
    const id = randomUUID();
    const content = Buffer.from(JSON.stringify({ pattern: operation.pattern, data: request, id }));
    const answer = new Promise<TAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          ProblemError.gatewayTimeout(
            request.command
              ? `${this.options.service} did not answer in time. The request was not carried ` +
                  'out, unless the service stopped just as it was written: send it again with ' +
                  'Idempotency-Key: retryKey to be sure it happens once.'
              : `${this.options.service} did not answer in time.`,
          ),
        );
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, asText });
      try {
        channel.sendToQueue(this.options.queue, content, {
          replyTo: DIRECT_REPLY_QUEUE,
          correlationId: id,
          // The broker drops a request nobody waits for any more; surviving a broker restart
          // would only deliver work past its deadline, which the service refuses anyway.
          persistent: false,
          expiration: String(timeoutMs - grace),
          messageId: randomUUID(),
          timestamp: Math.floor(Date.now() / 1000),
          headers: { 'x-correlation-id': context.correlationId },
        });
      } catch {
        // The channel closed under us: its replies can no longer arrive.
        this.settle(id)?.reject(this.unavailable());
      }
    });
    const command = request.command;
    if (!command) return answer;
    // A write left without its answer (timed out here or at the service, or the channel lost
    // after it was sent) can be sent again safely under the key it ran under.
    return answer.catch((error: unknown) => {
      if (
        error instanceof ProblemError &&
        (error.problem.status === 504 || error.problem.status === 503)
      ) {
        error.problem.retryKey ??= command.id;
      }
      throw error;
    });
  }

  async close(): Promise<void> {
    this.failPending();
    const manager = this.manager;
    this.manager = null;
    this.channel = null;
    await this.wrapper?.close().catch(() => undefined);
    await manager?.close();
  }

  private open(): Promise<void> {
    const ready = new Promise<void>((resolve) => this.channelReady.add(resolve));
    const manager = connect([this.options.amqpUrl], {
      heartbeatIntervalInSeconds: 10,
      reconnectTimeInSeconds: 2,
      connectionOptions: {
        ...AMQP_SOCKET_OPTIONS,
        timeout: this.options.connectTimeoutMs ?? 3000,
      },
    });
    coalesceBrokerWrites(manager);
    this.manager = manager;
    // A first attempt that fails ends the wait of connect() at once (calls answer 503 while
    // reconnecting goes on behind); without a listener the event would be thrown.
    manager.on('connectFailed', () => this.endConnectWait());
    manager.on('disconnect', () => this.onChannelLost(this.channel));
    // Replies to direct reply-to are neither persistent nor worth a publisher confirm.
    this.wrapper = manager.createChannel({
      confirm: false,
      json: false,
      setup: (channel: Channel) => this.setUp(channel),
    });
    this.wrapper.on('error', () => undefined);
    return ready;
  }

  private async setUp(channel: Channel): Promise<void> {
    await channel.assertQueue(this.options.queue, RPC_QUEUE_OPTIONS);
    // Direct reply-to needs its consumer on the publishing channel, before the first publish.
    await channel.consume(DIRECT_REPLY_QUEUE, (message) => this.onReply(message), {
      noAck: true,
    });
    channel.once('close', () => this.onChannelLost(channel));
    this.channel = channel;
    this.endConnectWait();
  }

  private endConnectWait(): void {
    for (const resolve of this.channelReady) resolve();
    this.channelReady.clear();
  }

  private onReply(message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled the reply consumer: no reply on this channel can arrive any more.
      this.onChannelLost(this.channel);
      return;
    }
    const id: unknown = message.properties.correlationId;
    const call = typeof id === 'string' ? this.settle(id) : undefined;
    // A reply to a call that timed out (or to another client) has nobody to go to.
    if (!call) return;
    const content = message.content.toString();
    if (call.asText && content.startsWith(ANSWER_START) && content.endsWith(ANSWER_END)) {
      call.resolve(
        new JsonText(
          content.slice(ANSWER_START.length, -ANSWER_END.length),
          shownCustomersOf(message),
        ),
      );
      return;
    }
    let packet: ReplyPacket;
    try {
      packet = JSON.parse(content) as ReplyPacket;
    } catch {
      call.reject(this.toProblemError('unreadable reply'));
      return;
    }
    if (packet.err) call.reject(this.toProblemError(packet.err));
    else if (packet.response !== undefined || !packet.isDisposed) {
      call.resolve(call.asText ? new JsonText(JSON.stringify(packet.response)) : packet.response);
    }
    // A reply that ended without an answer: the handler returned nothing.
    else call.reject(this.toProblemError(undefined));
  }

  /** Removes a call in flight and stops its timer; undefined when it is no longer waiting. */
  private settle(id: string): PendingCall | undefined {
    const call = this.pending.get(id);
    if (!call) return undefined;
    this.pending.delete(id);
    clearTimeout(call.timer);
    return call;
  }

  /** Fails the calls in flight when their channel goes: their replies can no longer arrive. */
  private onChannelLost(channel: Channel | null): void {
    if (channel === null || this.channel !== channel) return;
    this.channel = null;
    this.failPending();
  }

  private failPending(): void {
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(this.unavailable());
  }

  private unavailable(): ProblemError {
    return ProblemError.serviceUnavailable(
      `${this.options.service} cannot be reached: the message broker is not connected.`,
    );
  }

  private toProblemError(error: unknown): ProblemError {
    if (isProblemDetails(error)) return new ProblemError(error);
    if (!this.isConnected) return this.unavailable();
    // A string or unknown shape: no handler for the pattern, or a bug on the other side.
    return ProblemError.badGateway(
      `${this.options.service} answered with an error it could not describe.`,
    );
  }
}
