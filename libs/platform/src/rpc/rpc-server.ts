import {
  Catch,
  HttpException,
  createParamDecorator,
  type ArgumentMetadata,
  type ArgumentsHost,
  type CallHandler,
  type ExceptionFilter,
  type ExecutionContext,
  type INestApplication,
  type INestMicroservice,
  type NestInterceptor,
  type PipeTransform,
} from '@nestjs/common';
import { NestMicroservice, RmqContext, Transport, type RmqOptions } from '@nestjs/microservices';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import type { Logger } from 'pino';
import { finalize, throwError, type Observable } from 'rxjs';
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
import { AMQP_SOCKET_OPTIONS } from '../config';
import { mainConstraint } from '../http/validation';
import { RpcProblem, isProblemDetails } from '../rpc-problem';

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
 * Nest RMQ options for a service's command queue with deliberate settings: the queue is durable,
 * deliveries are acknowledged manually (by {@link RpcAckInterceptor} / {@link RpcProblemFilter})
 * and the prefetch is explicit, because Nest's defaults are auto-ack and unlimited prefetch.
 */
export function rpcServerOptions(service: RpcService, settings: RpcServerSettings): RmqOptions {
  return {
    transport: Transport.RMQ,
    options: {
      urls: [settings.amqpUrl],
      queue: settings.queue ?? RPC_QUEUES[service],
      queueOptions: { durable: true },
      noAck: false,
      prefetchCount: settings.prefetchCount ?? DEFAULT_RPC_PREFETCH,
      isGlobalPrefetchCount: false,
      persistent: true,
      socketOptions: {
        heartbeatIntervalInSeconds: 15,
        reconnectTimeInSeconds: 2,
        connectionOptions: AMQP_SOCKET_OPTIONS,
      },
    },
  };
}

/**
 * Connects the RMQ command-queue server to a Nest application and installs the RPC edge on it:
 * acknowledgement of every delivery, errors as problem documents, validation of `data`.
 * Call `app.startAllMicroservices()` afterwards.
 */
export function connectRpcServer(
  app: INestApplication,
  service: RpcService,
  settings: RpcServerSettings,
  logger: Logger,
): INestMicroservice {
  // Handlers capture the global enhancers when they are registered, and connectMicroservice
  // registers them at once unless deferred; so defer, install the edge, then register (the same
  // steps connectMicroservice takes, without running the app's init hooks a second time).
  const microservice = app.connectMicroservice<RmqOptions>(rpcServerOptions(service, settings), {
    inheritAppConfig: false,
    deferInitialization: true,
  }) as NestMicroservice;
  microservice.useGlobalInterceptors(new RpcAckInterceptor());
  microservice.useGlobalFilters(new RpcProblemFilter(logger));
  microservice.useGlobalPipes(new RpcValidationPipe());
  microservice.registerListeners();
  microservice.setIsInitialized(true);
  microservice.setIsInitHookCalled(true);
  return microservice;
}

/*
 * With noAck:false, Nest's ServerRMQ never acknowledges a delivery itself, and a handler that
 * throws would hold its prefetch slot until the connection drops. Both the interceptor (success)
 * and the filter (every failure, including guards that run before interceptors) ack, so the
 * delivery is remembered here to ack it exactly once: a second ack of the same tag is a channel
 * error that would close the channel and requeue everything in flight.
 */
const acknowledged = new WeakSet<object>();

function ackOnce(context: unknown): void {
  if (!(context instanceof RmqContext)) return;
  const message = context.getMessage() as object;
  if (acknowledged.has(message)) return;
  acknowledged.add(message);
  const channel = context.getChannelRef() as { ack(message: object): void };
  channel.ack(message);
}

/** Acks the delivery once the handler's answer is complete (or has failed). */
export class RpcAckInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const rpcContext: unknown = context.switchToRpc().getContext();
    return next.handle().pipe(finalize(() => ackOnce(rpcContext)));
  }
}

/**
 * Turns whatever a handler threw into a problem document for the caller, and acks the delivery:
 * a failed request is answered, never redelivered (the caller decides whether to retry).
 */
@Catch()
export class RpcProblemFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    const rpcContext: unknown = host.switchToRpc().getContext();
    ackOnce(rpcContext);
    const problem = this.toProblem(exception, rpcContext);
    return throwError(() => problem);
  }

  private toProblem(exception: unknown, rpcContext: unknown): ProblemDetails {
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
    const error: unknown = (exception as { getError?: () => unknown }).getError?.();
    if (isProblemDetails(error)) return error;
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn({ code: (exception as { code?: string })?.code }, 'database unavailable');
      return {
        type: problemType('service-unavailable'),
        title: 'Service unavailable',
        status: 503,
        detail: 'The service cannot reach its database; try again shortly.',
      };
    }
    // Only the error's class, code and message are logged: a driver error's `detail` can quote
    // the offending values, which may be personal data.
    const pattern = rpcContext instanceof RmqContext ? rpcContext.getPattern() : undefined;
    this.logger.error(
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
 * Validates the `data` of an RPC against its class: unknown fields are refused (whitelist +
 * forbidNonWhitelisted), and every failure becomes one FieldError per field in a 422 problem.
 */
export class RpcValidationPipe implements PipeTransform {
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const metatype = metadata.metatype;
    if (!metatype || PRIMITIVES.includes(metatype)) return value;
    if (typeof value !== 'object' || value === null) {
      throw RpcProblem.validation([
        { field: '', reason: 'invalid_type', message: 'the request data must be an object' },
      ]);
    }
    const instance = plainToInstance(metatype, value) as object;
    const errors = await validate(instance, {
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      validationError: { target: false, value: false },
    });
    if (errors.length > 0) {
      const roots =
        (Reflect.getMetadata(FIELD_ROOT, metatype.prototype as object) as
          Set<string | symbol> | undefined) ?? new Set<string | symbol>();
      throw RpcProblem.validation(fieldErrorsOf(errors, roots));
    }
    return instance;
  }
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
        const { reason, message } = mainConstraint(error.constraints);
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

/** The caller's context of an RPC (`{ context, data }`). */
export const RpcCaller = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): CallerContext => {
    const request = ctx.switchToRpc().getData<Partial<RpcRequest<unknown>>>();
    const context = request?.context;
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
  },
);

/** The `data` of an RPC; validated by {@link RpcValidationPipe} against the parameter's class. */
export const RpcData = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): unknown =>
    ctx.switchToRpc().getData<Partial<RpcRequest<unknown>>>()?.data ?? {},
);
