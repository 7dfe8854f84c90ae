import { ERASURE_PARTICIPANTS, type ErasureParticipant } from './erasure.dto';

/*
 * Privacy events carry ids and counts: never a value of the person. The request names the
 * customer by id only; each participant finds what it holds of the customer in its own schema.
 */
export const ERASURE_REQUESTED_V1 = 'privacy.erasure.requested.v1';
export const ERASURE_COMPLETED_V1 = 'privacy.erasure.completed.v1';
export const DELETION_REQUESTED_V1 = 'privacy.deletion.requested.v1';
export const DELETION_CANCELLED_V1 = 'privacy.deletion.cancelled.v1';

/** A deletion request recorded: the customer card shows it until it is done or cancelled. */
export interface DeletionRequestedV1 {
  requestId: string;
  customerId: string;
  requestedAt: string;
  dueAt: string;
}

/** A deletion request cancelled before its erasure ran. */
export interface DeletionCancelledV1 {
  requestId: string;
  customerId: string;
  cancelledAt: string;
}

/** Erase everything of the customer that you hold, and answer with ERASURE_COMPLETED_V1. */
export interface ErasureRequestedV1 {
  erasureId: string;
  customerId: string;
  requestedAt: string;
}

/** A participant erased what it held of the customer, in one transaction with its inbox. */
export interface ErasureCompletedV1 {
  erasureId: string;
  customerId: string;
  participant: ErasureParticipant;
  /** What was cleared or removed, by kind ("visits", "outbox"): counts, never values. */
  counts: Record<string, number>;
  completedAt: string;
}

const uuid = { type: 'string', format: 'uuid' } as const;

export const erasureRequestedV1Schema = {
  $id: ERASURE_REQUESTED_V1,
  type: 'object',
  additionalProperties: true,
  required: ['erasureId', 'customerId', 'requestedAt'],
  properties: {
    erasureId: uuid,
    customerId: uuid,
    requestedAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const erasureCompletedV1Schema = {
  $id: ERASURE_COMPLETED_V1,
  type: 'object',
  additionalProperties: true,
  required: ['erasureId', 'customerId', 'participant', 'counts', 'completedAt'],
  properties: {
    erasureId: uuid,
    customerId: uuid,
    participant: { type: 'string', enum: [...ERASURE_PARTICIPANTS] },
    counts: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } },
    completedAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const deletionRequestedV1Schema = {
  $id: DELETION_REQUESTED_V1,
  type: 'object',
  additionalProperties: true,
  required: ['requestId', 'customerId', 'requestedAt', 'dueAt'],
  properties: {
    requestId: uuid,
    customerId: uuid,
    requestedAt: { type: 'string', format: 'date-time' },
    dueAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const deletionCancelledV1Schema = {
  $id: DELETION_CANCELLED_V1,
  type: 'object',
  additionalProperties: true,
  required: ['requestId', 'customerId', 'cancelledAt'],
  properties: {
    requestId: uuid,
    customerId: uuid,
    cancelledAt: { type: 'string', format: 'date-time' },
  },
} as const;
