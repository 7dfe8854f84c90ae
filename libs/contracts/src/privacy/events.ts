import { ROLES, type Role } from '../context';
import { ACCESS_ACTIONS, ACCESS_ENTRY_MAX_CUSTOMERS, type AccessAction } from './audit.dto';
import { ERASURE_PARTICIPANTS, type ErasureParticipant } from './erasure.dto';
import { MERGE_PARTICIPANTS, type MergeParticipant } from './merge.dto';

/*
 * Privacy events carry ids and counts: never a value of the person. The request names the
 * customer by id only; each participant finds what it holds of the customer in its own schema.
 */
export const ERASURE_REQUESTED_V1 = 'privacy.erasure.requested.v1';
export const ERASURE_COMPLETED_V1 = 'privacy.erasure.completed.v1';
export const MERGE_REQUESTED_V1 = 'privacy.merge.requested.v1';
export const MERGE_COMPLETED_V1 = 'privacy.merge.completed.v1';
export const MERGE_UNDO_REQUESTED_V1 = 'privacy.merge.undo.requested.v1';
export const MERGE_UNDONE_V1 = 'privacy.merge.undone.v1';
export const DELETION_REQUESTED_V1 = 'privacy.deletion.requested.v1';
export const DELETION_CANCELLED_V1 = 'privacy.deletion.cancelled.v1';
/** The gateway's access records, a batch of one tenant's: the privacy service keeps them. */
export const ACCESS_RECORDED_V1 = 'gateway.access.recorded.v1';

/** One access: ids, a code and times, never a value of the person. */
export interface AccessEntryV1 {
  /** UUIDv7 made when the access was recorded: entries sort by it, a redelivery inserts none. */
  id: string;
  at: string;
  action: AccessAction;
  userId: string;
  role: Role;
  stationId: string | null;
  customerIds: string[];
  correlationId: string | null;
}

/** Accesses the gateway recorded in one flush (of one tenant, the envelope's). */
export interface AccessRecordedV1 {
  entries: AccessEntryV1[];
}

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
  /**
   * The customers merged into this one (directly or along a chain) and not unmerged: the same
   * person, whose rows a participant may still keep under their own ids (their card, their
   * consent history). Erased with it. Absent from older requests: none.
   */
  mergedCustomerIds?: string[];
}

/**
 * Merge the duplicate into the survivor: move what you hold of the duplicate to the survivor in
 * your own schema (remembering what you moved, for an undo), redirect whatever names the
 * duplicate from now on, and answer with MERGE_COMPLETED_V1.
 */
export interface MergeRequestedV1 {
  mergeId: string;
  survivorId: string;
  duplicateId: string;
  requestedAt: string;
  /**
   * The participants asked: a retry (PRIVACY.retryMerge) names those that have not answered;
   * a participant not named does nothing. Absent: all of them.
   */
  participants?: MergeParticipant[];
}

/** A participant moved the duplicate's history to the survivor, in one transaction with its inbox. */
export interface MergeCompletedV1 {
  mergeId: string;
  survivorId: string;
  duplicateId: string;
  participant: MergeParticipant;
  /** What was moved, by kind ("visits", "reminders"): counts, never values. */
  counts: Record<string, number>;
  /**
   * The customers service's answer only: the card fields both customers had with different
   * values (the survivor's kept). Names, never values.
   */
  conflicts?: string[];
  completedAt: string;
}

/**
 * Undo the merge: move back exactly what the merge moved (history added since stays with the
 * survivor), make the duplicate a customer of its own again, and answer with MERGE_UNDONE_V1.
 */
export interface MergeUndoRequestedV1 {
  mergeId: string;
  survivorId: string;
  duplicateId: string;
  requestedAt: string;
  /** The participants asked, as in MergeRequestedV1: absent, all of them. */
  participants?: MergeParticipant[];
}

/** A participant undid its part of the merge. */
export interface MergeUndoneV1 {
  mergeId: string;
  survivorId: string;
  duplicateId: string;
  participant: MergeParticipant;
  /** What was moved back, by kind: counts, never values. */
  counts: Record<string, number>;
  undoneAt: string;
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
    mergedCustomerIds: { type: 'array', items: uuid, maxItems: 1000 },
  },
} as const;

const mergePair = {
  mergeId: uuid,
  survivorId: uuid,
  duplicateId: uuid,
} as const;
const askedParticipants = {
  type: 'array',
  items: { type: 'string', enum: [...MERGE_PARTICIPANTS] },
  minItems: 1,
  maxItems: MERGE_PARTICIPANTS.length,
  uniqueItems: true,
} as const;
const moveCounts = {
  type: 'object',
  additionalProperties: { type: 'integer', minimum: 0 },
} as const;

export const mergeRequestedV1Schema = {
  $id: MERGE_REQUESTED_V1,
  type: 'object',
  additionalProperties: true,
  required: ['mergeId', 'survivorId', 'duplicateId', 'requestedAt'],
  properties: {
    ...mergePair,
    requestedAt: { type: 'string', format: 'date-time' },
    participants: askedParticipants,
  },
} as const;

export const mergeCompletedV1Schema = {
  $id: MERGE_COMPLETED_V1,
  type: 'object',
  additionalProperties: true,
  required: ['mergeId', 'survivorId', 'duplicateId', 'participant', 'counts', 'completedAt'],
  properties: {
    ...mergePair,
    participant: { type: 'string', enum: [...MERGE_PARTICIPANTS] },
    counts: moveCounts,
    conflicts: { type: 'array', items: { type: 'string', maxLength: 100 }, maxItems: 100 },
    completedAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const mergeUndoRequestedV1Schema = {
  $id: MERGE_UNDO_REQUESTED_V1,
  type: 'object',
  additionalProperties: true,
  required: ['mergeId', 'survivorId', 'duplicateId', 'requestedAt'],
  properties: {
    ...mergePair,
    requestedAt: { type: 'string', format: 'date-time' },
    participants: askedParticipants,
  },
} as const;

export const mergeUndoneV1Schema = {
  $id: MERGE_UNDONE_V1,
  type: 'object',
  additionalProperties: true,
  required: ['mergeId', 'survivorId', 'duplicateId', 'participant', 'counts', 'undoneAt'],
  properties: {
    ...mergePair,
    participant: { type: 'string', enum: [...MERGE_PARTICIPANTS] },
    counts: moveCounts,
    undoneAt: { type: 'string', format: 'date-time' },
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

export const accessRecordedV1Schema = {
  $id: ACCESS_RECORDED_V1,
  type: 'object',
  additionalProperties: true,
  required: ['entries'],
  properties: {
    entries: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: true,
        required: ['id', 'at', 'action', 'userId', 'role', 'stationId', 'customerIds'],
        properties: {
          id: uuid,
          at: { type: 'string', format: 'date-time' },
          action: { type: 'string', enum: [...ACCESS_ACTIONS] },
          userId: uuid,
          role: { type: 'string', enum: [...ROLES] },
          stationId: { anyOf: [uuid, { type: 'null' }] },
          customerIds: {
            type: 'array',
            minItems: 1,
            maxItems: ACCESS_ENTRY_MAX_CUSTOMERS,
            items: uuid,
          },
          correlationId: { type: ['string', 'null'], maxLength: 200 },
        },
      },
    },
  },
} as const;
