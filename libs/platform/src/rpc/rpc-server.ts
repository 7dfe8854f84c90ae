import { HttpException, type INestApplication, type INestMicroservice } from '@nestjs/common';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { NO_MESSAGE_HANDLER, PATTERN_METADATA } from '@nestjs/microservices/constants';
import type { Channel, ConsumeMessage } from 'amqplib';
import { connect, type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import type { Logger } from 'pino';
import {
  RPC_QUEUES,
  problemType,
  type CallerContext,
  type FieldError,
  type ProblemDetails,
  type RpcRequest,
  type RpcService,
} from '@kanta/contracts';
import { isDatabaseUnavailable } from '@kanta/database';
import { coalesceBrokerWrites } from '../amqp-writes';
import { AMQP_SOCKET_OPTIONS } from '../config';
import { VALIDATION_ERROR_OPTIONS, fieldFailure } from '../http/validation';
import { RpcProblem, isProblemDetails } from '../rpc-problem';
import { RPC_QUEUE_OPTIONS } from './rpc-client';

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

/** One @MessagePattern handler and how its arguments are found in a request. */
interface RpcRoute {
  pattern: string;
  invoke: (...args: unknown[]) => unknown;
  params: { index: number; kind: RpcParamKind; metatype: unknown }[];
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

  /** Every @MessagePattern method of the app's controllers, by pattern. */
  private collectRoutes(): void {
    this.routes.clear();
    const scanner = new MetadataScanner();
    for (const module of this.app.get(ModulesContainer).values()) {
      for (const wrapper of module.controllers.values()) {
        const instance = wrapper.instance as Record<string, unknown> | undefined;
        if (!instance) continue;
        const prototype = Object.getPrototypeOf(instance) as object;
        for (const name of scanner.getAllMethodNames(prototype)) {
          const method = instance[name] as (...args: unknown[]) => unknown;
          const patterns = Reflect.getMetadata(PATTERN_METADATA, method) as unknown[] | undefined;
          for (const pattern of patterns ?? []) {
            if (typeof pattern !== 'string') {
              throw new Error(`${wrapper.name}.${name}: RPC patterns are strings`);
            }
            if (this.routes.has(pattern)) throw new Error(`two handlers for ${pattern}`);
            const types = (Reflect.getMetadata('design:paramtypes', prototype, name) ??
              []) as unknown[];
            const params = rpcParamsOf(prototype, name).map((param) => ({
              ...param,
              metatype: types[param.index],
            }));
            this.routes.set(pattern, { pattern, invoke: method.bind(instance), params });
          }
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
    const reply = (answer: object): void => {
      if (!replyTo || packet?.id === undefined) return;
      try {
        channel.sendToQueue(replyTo, Buffer.from(JSON.stringify(answer)), { correlationId });
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
    try {
      const args: unknown[] = [];
      for (const param of route.params) {
        args[param.index] =
          param.kind === 'caller'
            ? callerOf(packet.data)
            : await validateRpcData(param.metatype, dataOf(packet.data));
      }
      answer = { response: await route.invoke(...args), isDisposed: true };
    } catch (error) {
      answer = { err: this.toProblem(error, route.pattern), isDisposed: true };
    }
    settle(channel, message, true);
    reply(answer);
  }

  private toProblem(exception: unknown, pattern: string): ProblemDetails {
    if (exception instanceof RpcProblem) return exception.problem;
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
function settle(channel: Channel, message: ConsumeMessage, ack: boolean): void {
  try {
    if (ack) channel.ack(message);
    else channel.nack(message, false, false);
  } catch {
    // The channel closed while the handler ran: the broker redelivers the request.
  }
}

const FIELD_ROOT = Symbol('kanta:rpc-field-root');

/**
 * Marks a property of an RPC data class as the body the caller sent (e.g. `customer` of a create
 * command), so field errors inside it are named as the caller knows them (`addresses.0.country`,
 * not `customer.addresses.0.country`).
 */
export function RpcFieldRoot(): PropertyDecorator {
  return (target, property) => {
    const roots = (Reflect.getMetadata(FIELD_ROOT, target) as Set<string | symbol>) ?? new Set();
    roots.add(property);
    Reflect.defineMetadata(FIELD_ROOT, roots, target);
  };
}

// Types the pipe cannot validate: they carry no class-validator metadata.
const PRIMITIVES: unknown[] = [String, Boolean, Number, Array, Object];

/**
 * Validates the `data` of an RPC against its parameter's class: unknown fields are refused
 * (whitelist + forbidNonWhitelisted), and every failure becomes one FieldError per field in a 422
 * problem. Data of a type without a class (an interface, a record) passes as it is.
 */
async function validateRpcData(metatype: unknown, value: unknown): Promise<unknown> {
  if (typeof metatype !== 'function' || PRIMITIVES.includes(metatype)) return value;
  if (typeof value !== 'object' || value === null) {
    throw RpcProblem.validation([
      { field: '', reason: 'invalid_type', message: 'the request data must be an object' },
    ]);
  }
  const type = metatype as new () => object;
  const instance: object = plainToInstance(type, value);
  const errors = await validate(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: VALIDATION_ERROR_OPTIONS,
  });
  if (errors.length > 0) {
    const roots =
      (Reflect.getMetadata(FIELD_ROOT, type.prototype as object) as
        Set<string | symbol> | undefined) ?? new Set<string | symbol>();
    throw RpcProblem.validation(fieldErrorsOf(errors, roots));
  }
  return instance;
}

/** One FieldError per failing field, its path dotted through nested objects and arrays. */
function fieldErrorsOf(
  errors: ValidationError[],
  roots: ReadonlySet<string | symbol> = new Set(),
): FieldError[] {
  const out: FieldError[] = [];
  const walk = (list: ValidationError[], prefix: string, top: boolean): void => {
    for (const error of list) {
      const here =
        top && roots.has(error.property)
          ? ''
          : prefix === ''
            ? error.property
            : `${prefix}.${error.property}`;
      if (error.constraints && Object.keys(error.constraints).length > 0) {
        const { reason, message } = fieldFailure(error);
        const field = here === '' ? error.property : here;
        const readable = message.startsWith(error.property)
          ? `${field}${message.slice(error.property.length)}`
          : message;
        out.push({ field, reason, message: readable });
      }
      if (error.children?.length) walk(error.children, here, false);
    }
  };
  walk(errors, '', true);
  return out;
}

type RpcParamKind = 'caller' | 'data';

const RPC_PARAMS = Symbol('kanta:rpc-params');

function rpcParam(kind: RpcParamKind): ParameterDecorator {
  return (target, property, index) => {
    if (property === undefined) return;
    const params =
      (Reflect.getMetadata(RPC_PARAMS, target, property) as
        { index: number; kind: RpcParamKind }[] | undefined) ?? [];
    Reflect.defineMetadata(RPC_PARAMS, [...params, { index, kind }], target, property);
  };
}

function rpcParamsOf(prototype: object, method: string): { index: number; kind: RpcParamKind }[] {
  const params =
    (Reflect.getMetadata(RPC_PARAMS, prototype, method) as
      { index: number; kind: RpcParamKind }[] | undefined) ?? [];
  return [...params].sort((a, b) => a.index - b.index);
}

/** The caller's context of an RPC (`{ context, data }`); a request without one is a 400. */
export const RpcCaller = (): ParameterDecorator => rpcParam('caller');

/** The `data` of an RPC, validated against the parameter's class. */
export const RpcData = (): ParameterDecorator => rpcParam('data');

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
