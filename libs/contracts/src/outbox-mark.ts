import { IsUUID } from 'class-validator';
import { answers, rpcOperationsOf, type RpcService } from './rpc';

/*
 * Outbox marks: a barrier one service asks another to put into its own outbox, so that it can
 * tell when it has received everything the other had committed before the request. The relay
 * publishes a mark only once every outbox row written before it has been published (libs/
 * messaging, OutboxRelay), so the mark's arrival at a consumer bound to it says: every event the
 * source committed before the mark has been delivered before it. The reporting service asks for
 * one per source before a report (services/reporting/README.md, "Catching up").
 */

/** The one event type of every service's marks; the envelope's `producer` names the source. */
export const OUTBOX_MARK_V1 = 'messaging.outbox.mark.v1';

export interface OutboxMarkV1 {
  /** Chosen by whoever asked: they recognise their mark by it. */
  markId: string;
}

export const outboxMarkV1Schema = {
  $id: OUTBOX_MARK_V1,
  type: 'object',
  additionalProperties: true,
  required: ['markId'],
  properties: { markId: { type: 'string', format: 'uuid' } },
} as const;

export class OutboxMarkCommand {
  @IsUUID('all', { message: 'markId must be a UUID' })
  markId: string;
}

export interface OutboxMarkWritten {
  markId: string;
  /** Outbox rows written before the mark and not yet published when it was written. */
  pendingBefore: number;
}

/** The services whose outboxes can be marked: the ones that feed another's read model. */
export const OUTBOX_MARK_SOURCES = ['customers', 'vehicles', 'consents', 'privacy'] as const;
export type OutboxMarkSource = (typeof OUTBOX_MARK_SOURCES)[number] & RpcService;

/**
 * `<service>.outbox.mark`: writes a mark into the service's outbox (a write, run once per
 * command id) and answers once it is committed; it is published after every row before it.
 */
export function outboxMarkOperationOf(service: OutboxMarkSource) {
  return rpcOperationsOf(service).write(
    `${service}.outbox.mark`,
    OutboxMarkCommand,
    answers<OutboxMarkWritten>(),
  );
}

/** Each source's mark operation, which the reporting service calls and the source handles. */
export const OUTBOX_MARK_OPERATIONS = {
  customers: outboxMarkOperationOf('customers'),
  vehicles: outboxMarkOperationOf('vehicles'),
  consents: outboxMarkOperationOf('consents'),
  privacy: outboxMarkOperationOf('privacy'),
} satisfies Record<OutboxMarkSource, unknown>;
