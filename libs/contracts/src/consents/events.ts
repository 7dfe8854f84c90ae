import {
  LEDGER_SOURCES,
  type ConsentDecision,
  type ConsentDecisionDto,
  type ConsentSource,
  type LedgerSource,
  type PreferredChannel,
} from './consent.dto';

/* Consent events carry ids, purposes and decisions: never the customer's contact data. */
export const CONSENT_RECORDED_V1 = 'consents.consent.recorded.v1';
export const CONSENT_TEXT_PUBLISHED_V1 = 'consents.text.published.v1';
export const CONSENT_PREFERENCES_CHANGED_V1 = 'consents.preferences.changed.v1';
export const PARTNER_EVENT_REFUSED_V1 = 'consents.partner_event.refused.v1';

/**
 * A partner event the consents service refused for a reason only it checks (a decision naming
 * no consent text of the tenant): it went to the consents service's DLQ while the other services
 * took it. The vehicles service lists it among the tenant's rejected partner events. Ids, type
 * and reason only: the reason names fields and rules, never values.
 */
export interface PartnerEventRefusedV1 {
  partnerEventId: string;
  partnerEventType: string;
  producer: string;
  reason: string;
}

export interface ConsentRecordedV1 {
  customerId: string;
  /** The ledger entry; entries of a customer and purpose sort by it (UUIDv7). */
  entryId: string;
  purpose: string;
  /**
   * The customer's decision from this entry on. null only from a `merge_undo` entry: the
   * survivor had no decision of the purpose before the merge, and has none again.
   */
  decision: ConsentDecision | null;
  /**
   * The text the decision was given on. null with a null decision, and with a decision given
   * under an unknown text: an `import` entry (or a `merge` / `merge_undo` carrying one), which
   * counts as outdated.
   */
  textId: string | null;
  textVersion: number | null;
  /** `merge` / `merge_undo`: a merge of customers or its undo wrote the entry (issue #14). */
  source: LedgerSource;
  recordedAt: string;
  /** `merge` / `merge_undo` entries: the merge. */
  mergeId?: string;
}

export interface ConsentTextPublishedV1 {
  textId: string;
  purpose: string;
  locale: string;
  version: number;
  contentHash: string;
}

export interface ConsentPreferencesChangedV1 {
  customerId: string;
  blocked: boolean;
  preferredChannel: PreferredChannel;
  serviceNotifications: boolean;
  version: number;
}

const uuid = { type: 'string', format: 'uuid' } as const;
const purpose = { type: 'string', pattern: '^[a-z][a-z0-9_]{2,39}$' } as const;

/**
 * A decision an event carries: as the API takes one, except that an import's may name no text
 * (`textId: null`): a register's consent column imported without a consent text named at upload
 * is a decision given under an unknown text, recorded as such and outdated from the start.
 */
export type GivenConsentDecision = Omit<ConsentDecisionDto, 'textId'> & { textId: string | null };

/**
 * Consent decisions given at reception in the same call as a change of another service (a
 * customer created, a visit recorded), or brought in by an import's created customer: that
 * service's event carries them, atomic with the change, and the consents service records them
 * from it. The gateway has had reception's checked first. `textId` is null only with the source
 * `import`; the consents service refuses (logs and skips) a null text from any other source.
 */
export interface ConsentsGiven {
  source: ConsentSource;
  /** The user who recorded them. */
  recordedBy: string;
  decisions: GivenConsentDecision[];
}

export const consentsGivenSchema = {
  type: 'object',
  required: ['source', 'recordedBy', 'decisions'],
  properties: {
    source: { type: 'string' },
    recordedBy: { type: 'string' },
    decisions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['purpose', 'decision', 'textId'],
        properties: {
          purpose: { type: 'string' },
          decision: { type: 'string', enum: ['granted', 'withdrawn'] },
          // null: given under an unknown text, source `import` only (see GivenConsentDecision)
          textId: { type: ['string', 'null'], format: 'uuid' },
        },
      },
    },
  },
} as const;

export const consentRecordedV1Schema = {
  $id: CONSENT_RECORDED_V1,
  type: 'object',
  additionalProperties: true,
  required: [
    'customerId',
    'entryId',
    'purpose',
    'decision',
    'textId',
    'textVersion',
    'source',
    'recordedAt',
  ],
  properties: {
    customerId: uuid,
    entryId: uuid,
    purpose,
    decision: { type: ['string', 'null'], enum: ['granted', 'withdrawn', null] },
    textId: { type: ['string', 'null'], format: 'uuid' },
    textVersion: { type: ['integer', 'null'], minimum: 1 },
    source: { type: 'string', enum: [...LEDGER_SOURCES] },
    recordedAt: { type: 'string', format: 'date-time' },
    mergeId: uuid,
  },
} as const;

export const consentTextPublishedV1Schema = {
  $id: CONSENT_TEXT_PUBLISHED_V1,
  type: 'object',
  additionalProperties: true,
  required: ['textId', 'purpose', 'locale', 'version', 'contentHash'],
  properties: {
    textId: uuid,
    purpose,
    locale: { type: 'string', minLength: 2 },
    version: { type: 'integer', minimum: 1 },
    contentHash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
  },
} as const;

export const consentPreferencesChangedV1Schema = {
  $id: CONSENT_PREFERENCES_CHANGED_V1,
  type: 'object',
  additionalProperties: true,
  required: ['customerId', 'blocked', 'preferredChannel', 'serviceNotifications', 'version'],
  properties: {
    customerId: uuid,
    blocked: { type: 'boolean' },
    preferredChannel: { type: 'string', enum: ['email', 'sms', 'phone', 'none'] },
    serviceNotifications: { type: 'boolean' },
    version: { type: 'integer', minimum: 1 },
  },
} as const;

export const partnerEventRefusedV1Schema = {
  $id: PARTNER_EVENT_REFUSED_V1,
  type: 'object',
  additionalProperties: true,
  required: ['partnerEventId', 'partnerEventType', 'producer', 'reason'],
  properties: {
    partnerEventId: { type: 'string', minLength: 1, maxLength: 200 },
    partnerEventType: { type: 'string', pattern: '^partner\\.' },
    producer: { type: 'string', maxLength: 200 },
    reason: { type: 'string', maxLength: 4000 },
  },
} as const;
