import { HttpException, type INestApplication, type INestMicroservice } from '@nestjs/common';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { NO_MESSAGE_HANDLER } from '@nestjs/microservices/constants';
import type { Channel, ConsumeMessage } from 'amqplib';
import { connect, type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import { plainToInstance } from 'class-transformer';
import type { Logger } from 'pino';
import {
  IDEMPOTENCY_KEY_MAX,
  NoData,
  RPC_QUEUES,
  RPC_SHOWN_CUSTOMERS_HEADER,
  problemType,
  rpcFieldRootsOf,
  type CallerContext,
  type ProblemDetails,
  type RpcDataClass,
  type RpcOperation,
  type RpcRequest,
  type RpcService,
} from '@kanta/contracts';
import { isDatabaseUnavailable } from '@kanta/database';
import { coalesceBrokerWrites } from '../amqp-writes';
import { AMQP_SOCKET_OPTIONS } from '../config';
import { VALIDATION_ERROR_OPTIONS, fieldErrorsOfInstance } from '../http/validation';
import { RpcProblem, isProblemDetails } from '../rpc-problem';
import { RPC_QUEUE_OPTIONS } from './rpc-client';
import { WriteCommand, deadlinePassed, isDeadlinePassed } from './write-command';

export interface RpcServerSettings {
  amqpUrl: string;
  /** Overrides the service's command queue, e.g. a unique queue per test file. */
  queue?: string;
  /**
   * Messages in flight per instance. Bounded so that one slow instance does not hoard the queue
   * while its competing consumers idle, and sized above the DB pool so the pool stays busy.
   */
  prefetchCount?: number;
}

export const DEFAULT_RPC_PREFETCH = 32;

/**
 * Connects the service's command-queue server to a Nest application. Call
 * `app.startAllMicroservices()` afterwards to start consuming; `app.close()` stops it.
 */
export function connectRpcServer(
  app: INestApplication,
  service: RpcService,
  settings: RpcServerSettings,
  logger: Logger,
): INestMicroservice {
  // A custom strategy rather than Nest's RMQ server: Nest still manages start and close, but
  // its per-message pipeline (rxjs, context, interceptors, filters, pipes) is never used.
  return app.connectMicroservice(
    { strategy: new RpcServer(app, service, settings, logger) },
    { inheritAppConfig: false },
  );
}

/** A handler of one operation: what it answers for the caller, its data and its command. */
type RpcHandlerOf<TData, TResult> = (
  caller: CallerContext,
  data: TData,
  command: WriteCommand,
) => Promise<TResult> | TResult;

const RPC_OPERATION = Symbol('kanta:rpc-operation');

/**
 * Makes a controller method the service's handler of `operation` (one of its contract in
 * libs/contracts). The method gets the caller's context, the data validated with the
 * operation's class and, for a write, its WriteCommand; the compiler holds its data and answer
 * to the operation's types.
 */
export function Handles<TData, TResult>(
  operation: RpcOperation<TData, TResult>,
): <M extends RpcHandlerOf<TData, TResult>>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => void {
  return (_target, _key, descriptor) => {
    if (descriptor.value) Reflect.defineMetadata(RPC_OPERATION, operation, descriptor.value);
  };
}

/** One operation's handler, found on a controller. */
interface RpcRoute {
  operation: RpcOperation<unknown, unknown>;
  invoke: RpcHandlerOf<unknown, unknown>;
}

/**
 * The RPC edge of a service: consumes its command queue with manual acks and a bounded
 * prefetch, hands each request to its @MessagePattern handler with the caller's context and
 * validated data, and answers in the wire format of Nest's RMQ transport (which the gateway's
 * RpcClient and Nest's ClientRMQ both read): `{ response, isDisposed }`, or `{ err: problem,
 * isDisposed }` for any failure. Every delivery is acked exactly once, after its handler, success
 * or failure: a failed request is answered, never redelivered (the caller decides whether to
 * retry), and never holds its prefetch slot.
 */
export class RpcServer extends Server implements CustomTransportStrategy {
  private readonly routes = new Map<string, RpcRoute>();
  private manager: AmqpConnectionManager | null = null;
  private wrapper: ChannelWrapper | null = null;

  constructor(
    private readonly app: INestApplication,
    private readonly service: RpcService,
    private readonly settings: RpcServerSettings,
    private readonly log: Logger,
  ) {
    super();
  }

  listen(callback: (error?: unknown) => void): void {
    try {
      this.collectRoutes();
    } catch (error) {
      callback(error);
      return;
    }
    const queue = this.settings.queue ?? RPC_QUEUES[this.service];
    this.manager = connect([this.settings.amqpUrl], {
      heartbeatIntervalInSeconds: 15,
      reconnectTimeInSeconds: 2,
      connectionOptions: AMQP_SOCKET_OPTIONS,
    });
    coalesceBrokerWrites(this.manager);
    this.manager.on('disconnect', ({ err }) =>
      this.log.error({ err: err?.message }, 'rpc broker connection lost'),
    );
    this.manager.on('connectFailed', () => undefined);
    // Replies go to direct reply-to queues: a publisher confirm for each would buy nothing.
    this.wrapper = this.manager.createChannel({
      confirm: false,
      json: false,
      setup: async (channel: Channel) => {
        await channel.assertQueue(queue, RPC_QUEUE_OPTIONS);
        await channel.prefetch(this.settings.prefetchCount ?? DEFAULT_RPC_PREFETCH, false);
        await channel.consume(
          queue,
          (message) => {
            if (!message) return;
            this.handle(message, channel).catch((error: unknown) => {
              // Not expected (handle answers every failure itself); never leave it unacked.
              this.log.error({ err: (error as Error)?.message }, 'rpc delivery not handled');
              settle(channel, message, true);
            });
          },
          { noAck: false },
        );
      },
    });
    this.wrapper.on('error', (error: Error) =>
      this.log.warn({ err: error.message }, 'rpc channel setup failed'),
    );
    // Started once the first channel consumes, as Nest's RMQ server does; it waits for a broker
    // that is not there yet, reconnecting behind.
    this.wrapper.waitForConnect().then(() => callback(), callback);
  }

  async close(): Promise<void> {
    await this.wrapper?.close().catch(() => undefined);
    await this.manager?.close();
    this.wrapper = null;
    this.manager = null;
  }

  on(): void {
    // No events to offer: the connection's state is logged here.
  }

  unwrap<T>(): T {
    return this.manager as T;
  }

  /** Every @Handles method of the app's controllers, by its operation's pattern. */
  private collectRoutes(): void {
    this.routes.clear();
    const scanner = new MetadataScanner();
    for (const module of this.app.get(ModulesContainer).values()) {
      for (const wrapper of module.controllers.values()) {
        const instance = wrapper.instance as Record<string, unknown> | undefined;
        if (!instance) continue;
        const prototype = Object.getPrototypeOf(instance) as object;
        for (const name of scanner.getAllMethodNames(prototype)) {
          const method = instance[name] as RpcHandlerOf<unknown, unknown>;
          const operation = Reflect.getMetadata(RPC_OPERATION, method) as
            RpcOperation<unknown, unknown> | undefined;
          if (!operation) continue;
          if (operation.service !== this.service) {
            throw new Error(
              `${wrapper.name}.${name}: ${operation.pattern} is not ${this.service}'s`,
            );
          }
          if (this.routes.has(operation.pattern)) {
            throw new Error(`two handlers for ${operation.pattern}`);
          }
          this.routes.set(operation.pattern, { operation, invoke: method.bind(instance) });
        }
      }
    }
  }

  private async handle(message: ConsumeMessage, channel: Channel): Promise<void> {
    const packet = parsePacket(message.content);
    const route = packet ? this.routes.get(packet.pattern) : undefined;
    const { replyTo, correlationId } = message.properties as {
      replyTo?: string;
      correlationId?: string;
    };
    const reply = (answer: object, headers?: Record<string, string>): void => {
      if (!replyTo || packet?.id === undefined) return;
      try {
        channel.sendToQueue(replyTo, Buffer.from(JSON.stringify(answer)), {
          correlationId,
          ...(headers ? { headers } : {}),
        });
      } catch {
        // The channel is gone; the caller's own timeout or connection loss answers for us.
      }
    };
    if (!packet || !route) {
      this.log.warn({ pattern: packet?.pattern }, 'rpc request for no handler refused');
      settle(channel, message, false);
      reply({ id: packet?.id, err: NO_MESSAGE_HANDLER, status: 'error' });
      return;
    }
    let answer: object;
    let headers: Record<string, string> | undefined;
    try {
      const request = packet.data as Partial<RpcRequest<unknown>> | null | undefined;
      // Nobody waits for an answer after the deadline: the work is not started (and a write
      // that gets this far is not committed after it either, see CommandLog).
      if (typeof request?.deadline === 'number' && Date.now() > request.deadline) {
        throw deadlinePassed();
      }
      const { operation } = route;
      const caller = callerOf(request);
      const raw = dataOf(request);
      const data = await validateRpcData(operation.data, raw);
      const command =
        operation.kind === 'write' ? writeCommandOf(request, caller, operation, raw) : undefined;
      const response: unknown = await route.invoke(caller, data, command as WriteCommand);
      answer = { response, isDisposed: true };
      headers = shownCustomersHeader(operation, response);
    } catch (error) {
      answer = { err: this.toProblem(error, route.operation.pattern), isDisposed: true };
    }
    settle(channel, message, true);
    reply(answer, headers);
  }

  private toProblem(exception: unknown, pattern: string): ProblemDetails {
    if (exception instanceof RpcProblem) return exception.problem;
    if (isDeadlinePassed(exception)) return deadlinePassed().problem;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status < 500) {
        return {
          type: problemType(status === 400 ? 'bad-request' : `http-${status}`),
          title: exception.message,
          status,
        };
      }
    }
    // Whatever was thrown, even null.
    const error: unknown = (exception as { getError?: () => unknown } | null)?.getError?.();
    if (isProblemDetails(error)) return error;
    if (isDatabaseUnavailable(exception)) {
      this.log.warn({ code: (exception as { code?: string })?.code }, 'database unavailable');
      return {
        type: problemType('service-unavailable'),
        title: 'Service unavailable',
        status: 503,
        detail: 'The service cannot reach its database; try again shortly.',
      };
    }
    // Only the error's class, code and message are logged: a driver error's `detail` can quote
    // the offending values, which may be personal data.
    this.log.error(
      {
        pattern,
        err: {
          name: (exception as Error)?.name,
          code: (exception as { code?: string })?.code,
          message: (exception as Error)?.message,
          stack: (exception as Error)?.stack,
        },
      },
      'rpc handler failed',
    );
    return {
      type: problemType('internal'),
      title: 'Internal error',
      status: 500,
      detail: 'The service could not complete the request.',
    };
  }
}

/** A request as Nest's RMQ client and our RpcClient send it. */
interface RequestPacket {
  pattern: string;
  data: unknown;
  id?: string;
}

function parsePacket(content: Buffer): RequestPacket | null {
  try {
    const packet = JSON.parse(content.toString()) as Partial<RequestPacket> | null;
    if (typeof packet !== 'object' || packet === null || typeof packet.pattern !== 'string') {
      return null;
    }
    return { pattern: packet.pattern, data: packet.data, id: packet.id };
  } catch {
    return null;
  }
}

/**
 * Acks (or, for a request nobody handles, rejects without requeueing) a delivery. A closed
 * channel has already returned it to the queue; acking it there would throw.
 */
/**
 * The customers an answer shows (the operation's `shows`), as the reply's header. None when the
 * operation declares none, or when reading them fails: the gateway then parses the answer.
 */
function shownCustomersHeader(
  operation: RpcOperation<unknown, unknown>,
  response: unknown,
): Record<string, string> | undefined {
  if (!operation.shows) return undefined;
  try {
    return { [RPC_SHOWN_CUSTOMERS_HEADER]: operation.shows(response).join(',') };
  } catch {
    return undefined;
  }
}

function settle(channel: Channel, message: ConsumeMessage, ack: boolean): void {
  try {
    if (ack) channel.ack(message);
    else channel.nack(message, false, false);
  } catch {
    // The channel closed while the handler ran: the broker redelivers the request.
  }
}

/**
 * Validates the `data` of an RPC against its operation's class: unknown fields are refused
 * (whitelist + forbidNonWhitelisted), and every failure becomes one FieldError per field in a 422
 * problem.
 */
async function validateRpcData(metatype: RpcDataClass<unknown>, value: unknown): Promise<unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw RpcProblem.validation([
      { field: '', reason: 'invalid_type', message: 'the request data must be an object' },
    ]);
  }
  // A class without fields has no validation metadata, which forbidUnknownValues would refuse.
  if (metatype === NoData) {
    const unknown = Object.keys(value);
    if (unknown.length === 0) return new NoData();
    throw RpcProblem.validation(
      unknown.map((field) => ({
        field,
        reason: 'unknown_field',
        message: `${field} is not a known field`,
      })),
    );
  }
  const type = metatype as new () => object;
  const instance: object = plainToInstance(type, value);
  const errors = await fieldErrorsOfInstance(
    instance,
    {
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      validationError: VALIDATION_ERROR_OPTIONS,
    },
    rpcFieldRootsOf(type),
  );
  if (errors.length > 0) throw RpcProblem.validation(errors);
  return instance;
}

/** The caller's context of an RPC (`{ context, data }`); a request without one is a 400. */
function callerOf(request: unknown): CallerContext {
  const context = (request as Partial<RpcRequest<unknown>> | null | undefined)?.context;
  if (
    typeof context !== 'object' ||
    context === null ||
    typeof context.userId !== 'string' ||
    typeof context.role !== 'string' ||
    !Array.isArray(context.stationIds)
  ) {
    throw new RpcProblem({
      type: problemType('bad-request'),
      title: 'The request carries no caller context',
      status: 400,
    });
  }
  return context;
}

function dataOf(request: unknown): unknown {
  return (request as Partial<RpcRequest<unknown>> | null | undefined)?.data ?? {};
}

/**
 * The WriteCommand of a write operation's request. The gateway always sends its id; one missing
 * is a caller that predates the command log, refused rather than run without once-only.
 */
function writeCommandOf(
  request: Partial<RpcRequest<unknown>> | null | undefined,
  caller: CallerContext,
  operation: RpcOperation<unknown, unknown>,
  data: unknown,
): WriteCommand {
  const command = request?.command;
  if (
    typeof command !== 'object' ||
    command === null ||
    typeof command.id !== 'string' ||
    command.id.length === 0 ||
    command.id.length > IDEMPOTENCY_KEY_MAX ||
    typeof command.fromClient !== 'boolean'
  ) {
    throw new RpcProblem({
      type: problemType('bad-request'),
      title: 'A write carries no command id',
      status: 400,
    });
  }
  const deadline = typeof request?.deadline === 'number' ? request.deadline : null;
  return WriteCommand.of(operation, caller, data, command, deadline);
}
