import { ClientRMQ, RmqRecordBuilder } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { Subject, firstValueFrom, map, merge, take, timeout, TimeoutError } from 'rxjs';
import type { RpcRequest } from '@kanta/contracts';
import { ProblemError } from '../http/problem-error';
import { AMQP_SOCKET_OPTIONS } from '../config';
import { isProblemDetails } from '../rpc-problem';

/**
 * Queue options every side asserts the same way. RabbitMQ refuses (and closes the channel on)
 * an assertion whose options differ from the queue's, so the server must use these too.
 */
export const RPC_QUEUE_OPTIONS = { durable: true } as const;

export interface RpcClientOptions {
  /** The service's name, used in problem texts ("customers did not answer in time"). */
  service: string;
  amqpUrl: string;
  /** The service's command queue (RPC_QUEUES with the configured prefix). */
  queue: string;
  /** How long a call waits for its answer; also the message TTL in the broker. */
  timeoutMs: number;
  /** How long a first connection attempt may take before calls answer 503. */
  connectTimeoutMs?: number;
}

type ConnectionState = 'connecting' | 'connected' | 'disconnected';

/**
 * Request/response to one service over Nest's RabbitMQ transport, with the transport's unsafe
 * defaults replaced: every call has a timeout, a missing broker fails at once instead of
 * queueing in memory, and the service's problem documents come back as ProblemErrors.
 */
export class RpcClient {
  private readonly client: ClientRMQ;
  private state: ConnectionState = 'connecting';
  private connecting: Promise<void> | null = null;
  /** Fails calls in flight when the connection drops: their replies can no longer arrive. */
  private readonly connectionLost = new Subject<void>();

  constructor(private readonly options: RpcClientOptions) {
    this.client = new ClientRMQ({
      urls: [options.amqpUrl],
      queue: options.queue,
      queueOptions: RPC_QUEUE_OPTIONS,
      // Direct reply-to (the default reply queue) requires no-ack consumption of replies.
      noAck: true,
      // A request outlives its caller by at most timeoutMs; surviving a broker restart would
      // only deliver work nobody waits for.
      persistent: false,
      socketOptions: {
        heartbeatIntervalInSeconds: 10,
        reconnectTimeInSeconds: 2,
        connectionOptions: { ...AMQP_SOCKET_OPTIONS, timeout: options.connectTimeoutMs ?? 3000 },
      },
    });
    // RmqStatus is a const enum that does not exist at runtime; its values are these strings.
    this.client.status.subscribe((status: string) => {
      const next: ConnectionState =
        status === 'connected'
          ? 'connected'
          : status === 'disconnected'
            ? 'disconnected'
            : this.state;
      if (this.state === 'connected' && next === 'disconnected') this.connectionLost.next();
      this.state = next;
    });
  }

  get service(): string {
    return this.options.service;
  }

  get isConnected(): boolean {
    return this.state === 'connected';
  }

  /**
   * Opens the connection; resolves false (never throws) when the broker cannot be reached, so
   * an app can start without it and report it in its health. Reconnection continues behind.
   */
  async connect(): Promise<boolean> {
    this.connecting ??= this.client.connect().then(
      () => undefined,
      () => undefined,
    );
    const bound = this.options.connectTimeoutMs ?? 3000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.connecting,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, bound))),
    ]);
    clearTimeout(timer);
    // The first connect() of ClientRMQ resolves before the channel is confirmed in every path.
    return this.isConnected;
  }

  /**
   * Sends `request` to `pattern` and resolves the answer. Rejects with a ProblemError: the
   * service's own problem (answered unchanged), 503 when the broker is not there, 504 when the
   * service does not answer within the timeout.
   */
  async send<TResult, TData = unknown>(
    pattern: string,
    request: RpcRequest<TData>,
    timeoutMs = this.options.timeoutMs,
  ): Promise<TResult> {
    if (!this.isConnected) {
      if (this.connecting === null) await this.connect();
      if (!this.isConnected) throw this.unavailable();
    }
    const record = new RmqRecordBuilder(request)
      .setOptions({
        // The broker drops a request nobody will wait for any more.
        expiration: String(timeoutMs),
        messageId: randomUUID(),
        timestamp: Math.floor(Date.now() / 1000),
        headers: { 'x-correlation-id': request.context.correlationId },
      })
      .build();
    const lost = this.connectionLost.pipe(
      take(1),
      map((): never => {
        throw this.unavailable();
      }),
    );
    try {
      return await firstValueFrom(
        merge(this.client.send<TResult>(pattern, record).pipe(timeout(timeoutMs)), lost),
      );
    } catch (error) {
      throw this.toProblemError(error);
    }
  }

  async close(): Promise<void> {
    this.connectionLost.complete();
    await this.client.close();
  }

  private unavailable(): ProblemError {
    return ProblemError.serviceUnavailable(
      `${this.options.service} cannot be reached: the message broker is not connected.`,
    );
  }

  private toProblemError(error: unknown): ProblemError {
    if (error instanceof ProblemError) return error;
    if (error instanceof TimeoutError) {
      return ProblemError.gatewayTimeout(`${this.options.service} did not answer in time.`);
    }
    if (isProblemDetails(error)) return new ProblemError(error);
    if (!this.isConnected) return this.unavailable();
    // A string or unknown shape: no handler for the pattern, or a bug on the other side.
    return ProblemError.badGateway(
      `${this.options.service} answered with an error it could not describe.`,
    );
  }
}
