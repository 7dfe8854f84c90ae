import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsDefined, IsObject, ValidateNested } from 'class-validator';
import type { CallerContext } from './context';

/**
 * Request/response between the gateway and the services. One durable command queue per service;
 * each service's operations are one typed contract in its folder (`CUSTOMERS`, `CONSENTS`,
 * `VEHICLES`): pattern, data class and answer type together, used by both the gateway's calls and
 * the service's handlers, so the compiler checks both ends.
 */
export const RPC_QUEUES = {
  customers: 'kanta.rpc.customers',
  consents: 'kanta.rpc.consents',
  vehicles: 'kanta.rpc.vehicles',
  privacy: 'kanta.rpc.privacy',
  reporting: 'kanta.rpc.reporting',
} as const;
export type RpcService = keyof typeof RPC_QUEUES;
export const RPC_SERVICES = Object.keys(RPC_QUEUES) as RpcService[];

/** The class an operation's data is validated with at the service's edge. */
export type RpcDataClass<T> = new () => T;
declare const ANSWER: unique symbol;

/** What an operation answers, as a type only: `answers<CustomerView>()`. */
export interface RpcAnswer<T> {
  readonly [ANSWER]?: () => T;
}

/** Marks the answer type of an operation; it exists for the compiler only. */
export function answers<T>(): RpcAnswer<T> {
  return {};
}

/**
 * One operation a service offers. A `write` changes state: the gateway gives it a command id (the
 * client's Idempotency-Key, or a fresh one) and a deadline, and the service records the id with
 * the effect in the same transaction, so a redelivered command answers what the first delivery
 * did instead of running again (libs/platform CommandLog). A `query` only reads.
 */
export interface RpcOperation<TData, TResult> extends RpcAnswer<TResult> {
  readonly service: RpcService;
  readonly pattern: string;
  readonly kind: 'query' | 'write';
  readonly data: RpcDataClass<TData>;
  /**
   * The customers an answer shows, for the gateway's access audit: the service sends their ids
   * beside the answer (RPC_SHOWN_CUSTOMERS_HEADER), read from the answer it serialises, so a
   * gateway relaying a page as text need not parse it to learn them (a search answering 25 cards
   * is 20 kB of JSON). A method, so an operation still passes for one of `unknown` answer.
   */
  shows?(answer: TResult): readonly string[];
}

/** The AMQP header of a reply carrying the customers its answer shows, comma-separated. */
export const RPC_SHOWN_CUSTOMERS_HEADER = 'kanta-shown-customers';

/** What an operation may declare beside its pattern, data and answer. */
export interface RpcOperationOptions<TResult> {
  /** See RpcOperation.shows. */
  shows?: (answer: TResult) => readonly string[];
}

/** The data an operation is called with. */
export type RpcDataOf<Op> = Op extends RpcOperation<infer TData, unknown> ? TData : never;
/** What an operation answers. */
export type RpcResultOf<Op> = Op extends RpcOperation<unknown, infer TResult> ? TResult : never;

/** The two kinds of operation of one service, for its contract. */
export function rpcOperationsOf(service: RpcService): {
  query<TData, TResult>(
    pattern: string,
    data: RpcDataClass<TData>,
    answer: RpcAnswer<TResult>,
    options?: RpcOperationOptions<TResult>,
  ): RpcOperation<TData, TResult>;
  write<TData, TResult>(
    pattern: string,
    data: RpcDataClass<TData>,
    answer: RpcAnswer<TResult>,
    options?: RpcOperationOptions<TResult>,
  ): RpcOperation<TData, TResult>;
} {
  const operation =
    (kind: 'query' | 'write') =>
    <TData, TResult>(
      pattern: string,
      data: RpcDataClass<TData>,
      // The answer marker is a type; nothing of it is kept.
      _answer: RpcAnswer<TResult>,
      { shows }: RpcOperationOptions<TResult> = {},
    ): RpcOperation<TData, TResult> => {
      if (!pattern.startsWith(`${service}.`)) {
        throw new Error(`${pattern}: a ${service} pattern starts with "${service}."`);
      }
      return Object.freeze({ service, pattern, kind, data, ...(shows ? { shows } : {}) });
    };
  return { query: operation('query'), write: operation('write') };
}

/** What a write command carries beside its data. */
export interface RpcCommandId {
  /** Recorded with the effect: the client's Idempotency-Key, or one the gateway made. */
  id: string;
  /** True when `id` is the client's Idempotency-Key: a replay then says so (200, not 201). */
  fromClient: boolean;
}

/** Every RPC carries the caller's context beside its data. */
export interface RpcRequest<TData> {
  context: CallerContext;
  data: TData;
  /**
   * Epoch milliseconds after which nobody waits for the answer: the service neither starts the
   * work nor commits it then, so a gateway timeout means "not written". Absent from old callers.
   */
  deadline?: number;
  /** Present on write operations. */
  command?: RpcCommandId;
}

/** The data of an operation that takes none. */
export class NoData {}

/** What a service answers to its `<service>.health` operation. */
export interface ServiceHealth {
  service: string;
  status: 'ok' | 'degraded';
  checks: Record<string, 'up' | 'down'>;
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

/**
 * The body the caller sent, inside an operation's data (`customer` of a create): required, an
 * object, validated with its own class, and the root its field errors are named from.
 */
export function RpcBody(body: () => RpcDataClass<object>): PropertyDecorator {
  return applyDecorators(RpcFieldRoot(), IsDefined(), IsObject(), ValidateNested(), Type(body));
}

/** The properties of an RPC data class marked with RpcFieldRoot. */
export function rpcFieldRootsOf(type: RpcDataClass<unknown>): ReadonlySet<string | symbol> {
  return (
    (Reflect.getMetadata(FIELD_ROOT, type.prototype as object) as
      Set<string | symbol> | undefined) ?? new Set<string | symbol>()
  );
}

/** The longest Idempotency-Key, and what it may hold: printable ASCII without spaces. */
export const IDEMPOTENCY_KEY_MAX = 200;
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]+$/;
