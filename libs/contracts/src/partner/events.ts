import {
  CONSENT_DECISIONS,
  PREFERRED_CHANNELS,
  PURPOSE_PATTERN,
  type ConsentDecision,
  type PreferredChannel,
} from '../consents/consent.dto';
import { invalidPhoneMessage, normalisePhone } from '../phone';
import {
  MIN_VEHICLE_YEAR,
  VIN_PATTERN,
  maxVehicleYear,
  normaliseVin,
  saleTotalsProblems,
} from '../vehicles/rules';

/*
 * Events partner systems (online booking, POS and self-service kiosks, inspection and dealer
 * management systems) publish to `kanta.events`, or POST to `/api/v1/partner/events`. The
 * envelope is the usual one; `tenantId` is required and `producer` names the partner
 * (`partner:<name>`; the gateway stamps both from the API key). Schemas are strict
 * (`additionalProperties: false`) so a typo is a readable rejection, not a silent loss.
 */
export const PARTNER_BOOKING_CREATED_V1 = 'partner.booking.created.v1';
export const PARTNER_BOOKING_RESCHEDULED_V1 = 'partner.booking.rescheduled.v1';
export const PARTNER_BOOKING_CANCELLED_V1 = 'partner.booking.cancelled.v1';
export const PARTNER_BOOKING_NO_SHOW_V1 = 'partner.booking.no_show.v1';
export const PARTNER_WORK_COMPLETED_V1 = 'partner.work.completed.v1';
export const PARTNER_SALE_COMPLETED_V1 = 'partner.sale.completed.v1';
export const PARTNER_CUSTOMER_SUBMITTED_V1 = 'partner.customer_details.submitted.v1';

export const PARTNER_EVENT_TYPES = [
  PARTNER_BOOKING_CREATED_V1,
  PARTNER_BOOKING_RESCHEDULED_V1,
  PARTNER_BOOKING_CANCELLED_V1,
  PARTNER_BOOKING_NO_SHOW_V1,
  PARTNER_WORK_COMPLETED_V1,
  PARTNER_SALE_COMPLETED_V1,
  PARTNER_CUSTOMER_SUBMITTED_V1,
] as const;
export type PartnerEventType = (typeof PARTNER_EVENT_TYPES)[number];

export const isPartnerEventType = (type: string): type is PartnerEventType =>
  (PARTNER_EVENT_TYPES as readonly string[]).includes(type);

/** Who the customer is, as the partner knows them. Phone in E.164, e-mail as typed. */
export interface PartnerContact {
  firstName?: string;
  lastName?: string;
  companyName?: string;
  phone?: string;
  email?: string;
  externalId?: { system: string; id: string };
}

export interface PartnerVehicle {
  registration: string;
  make?: string;
  model?: string;
  year?: number;
  vin?: string;
  /**
   * How the event's customer relates to the vehicle, when the partner knows (a DMS does): its
   * `owner`, or a `proxy` who brings it (the driver of a leased car). Absent: the owner when the
   * vehicle has none, else a proxy.
   */
  customerRole?: 'owner' | 'proxy';
}

/**
 * A consent decision the customer gave in the partner's system (an online booking form, a kiosk
 * screen), against a consent text the tenant published in Kanta: the partner shows that text and
 * names its id, so the ledger can prove what the customer was shown.
 */
export interface PartnerConsentDecision {
  purpose: string;
  decision: ConsentDecision;
  textId: string;
  evidence?: { signatureRef?: string; note?: string };
}

/** Communication preferences the customer set in the partner's system (online check-in). */
export interface PartnerPreferences {
  blocked?: boolean;
  preferredChannel?: PreferredChannel;
  serviceNotifications?: boolean;
}

/** What a partner event may carry for the consents service, beside the contact details. */
export interface PartnerConsentsPart {
  consents?: PartnerConsentDecision[];
  preferences?: PartnerPreferences;
}

export type PartnerChannel =
  'online_booking' | 'marketplace' | 'kiosk' | 'dms' | 'phone' | 'walk_in';

export interface PartnerBookingCreatedV1 extends PartnerConsentsPart {
  bookingId: string;
  stationId: string;
  scheduledAt: string;
  kind?: 'booking' | 'inspection' | 'work_order' | 'appointment';
  channel?: PartnerChannel;
  customer?: PartnerContact;
  vehicle?: PartnerVehicle;
  notes?: string;
  specialRequests?: string;
  prepaid?: { amountMinor: number; currency: string };
}

export interface PartnerBookingRescheduledV1 {
  bookingId: string;
  stationId: string;
  scheduledAt: string;
}

export interface PartnerBookingCancelledV1 {
  bookingId: string;
  stationId: string;
  reason?: string;
}

/** The customer did not come to the booking (the booking system marked it). */
export interface PartnerBookingNoShowV1 {
  bookingId: string;
  stationId: string;
}

export interface PartnerWorkCompletedV1 {
  /** The booking this work finished, when there was one: the visit it completes. */
  bookingId?: string;
  workOrderId: string;
  kind: 'inspection' | 'work_order';
  stationId: string;
  completedAt: string;
  /** The inspection card or work order in the partner system. */
  link?: string;
  customer?: PartnerContact;
  vehicle?: PartnerVehicle;
}

export interface PartnerSaleLine {
  kind: 'service' | 'product';
  name: string;
  quantity: number;
  unitPriceMinor: number;
  vatRate: number;
  totalMinor: number;
}

export interface PartnerSaleCompletedV1 {
  receiptNumber: string;
  receiptUrl?: string;
  stationId: string;
  soldAt: string;
  source: 'pos' | 'kiosk';
  bookingId?: string;
  currency: string;
  totalMinor: number;
  lines: PartnerSaleLine[];
  customer?: PartnerContact;
}

export interface PartnerCustomerSubmittedV1 extends PartnerConsentsPart {
  submissionId: string;
  stationId: string;
  source: 'kiosk' | 'online_check_in';
  customer: PartnerContact;
  vehicle?: PartnerVehicle;
  bookingId?: string;
}

const uuid = { type: 'string', format: 'uuid' } as const;
const ref = { type: 'string', minLength: 1, maxLength: 100 } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const text = (max: number): object => ({ type: 'string', minLength: 1, maxLength: max });

const contactSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    firstName: text(100),
    lastName: text(100),
    companyName: text(200),
    phone: { type: 'string', pattern: '^\\+[1-9][0-9]{6,14}$' },
    email: { type: 'string', format: 'email', maxLength: 254 },
    externalId: {
      type: 'object',
      additionalProperties: false,
      required: ['system', 'id'],
      properties: {
        system: { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,39}$' },
        id: ref,
      },
    },
  },
} as const;

const vehicleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['registration'],
  properties: {
    registration: {
      type: 'string',
      pattern: '^[\\p{L}\\p{N}](?:[\\p{L}\\p{N}]|[ .-](?=[\\p{L}\\p{N}])){0,19}$',
    },
    make: text(60),
    model: text(60),
    // Its range (1900 to next year) is a rule: `out_of_range`, as the API says.
    year: { type: 'integer' },
    // Any case, with spaces or hyphens, as typed at a kiosk: the payload rule checks it normalised.
    vin: { type: 'string', minLength: 17, maxLength: 40 },
    customerRole: { type: 'string', enum: ['owner', 'proxy'] },
  },
} as const;

const consentsSchema = {
  type: 'array',
  minItems: 1,
  maxItems: 20,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['purpose', 'decision', 'textId'],
    properties: {
      purpose: { type: 'string', pattern: PURPOSE_PATTERN.source },
      decision: { type: 'string', enum: CONSENT_DECISIONS },
      textId: uuid,
      evidence: {
        type: 'object',
        additionalProperties: false,
        properties: { signatureRef: text(200), note: text(500) },
      },
    },
  },
} as const;

const preferencesSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    blocked: { type: 'boolean' },
    preferredChannel: { type: 'string', enum: PREFERRED_CHANNELS },
    serviceNotifications: { type: 'boolean' },
  },
} as const;

const channel = {
  type: 'string',
  enum: ['online_booking', 'marketplace', 'kiosk', 'dms', 'phone', 'walk_in'],
} as const;
const money = {
  type: 'object',
  additionalProperties: false,
  required: ['amountMinor', 'currency'],
  properties: {
    amountMinor: { type: 'integer', minimum: 0, maximum: 1_000_000_000 },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
  },
} as const;

export const partnerBookingCreatedV1Schema = {
  $id: PARTNER_BOOKING_CREATED_V1,
  type: 'object',
  additionalProperties: false,
  required: ['bookingId', 'stationId', 'scheduledAt'],
  properties: {
    bookingId: ref,
    stationId: uuid,
    scheduledAt: dateTime,
    kind: { type: 'string', enum: ['booking', 'inspection', 'work_order', 'appointment'] },
    channel,
    customer: contactSchema,
    vehicle: vehicleSchema,
    notes: text(2000),
    specialRequests: text(2000),
    prepaid: money,
    consents: consentsSchema,
    preferences: preferencesSchema,
  },
} as const;

export const partnerBookingRescheduledV1Schema = {
  $id: PARTNER_BOOKING_RESCHEDULED_V1,
  type: 'object',
  additionalProperties: false,
  required: ['bookingId', 'stationId', 'scheduledAt'],
  properties: { bookingId: ref, stationId: uuid, scheduledAt: dateTime },
} as const;

export const partnerBookingCancelledV1Schema = {
  $id: PARTNER_BOOKING_CANCELLED_V1,
  type: 'object',
  additionalProperties: false,
  required: ['bookingId', 'stationId'],
  properties: { bookingId: ref, stationId: uuid, reason: text(200) },
} as const;

export const partnerBookingNoShowV1Schema = {
  $id: PARTNER_BOOKING_NO_SHOW_V1,
  type: 'object',
  additionalProperties: false,
  required: ['bookingId', 'stationId'],
  properties: { bookingId: ref, stationId: uuid },
} as const;

export const partnerWorkCompletedV1Schema = {
  $id: PARTNER_WORK_COMPLETED_V1,
  type: 'object',
  additionalProperties: false,
  required: ['workOrderId', 'kind', 'stationId', 'completedAt'],
  properties: {
    bookingId: ref,
    workOrderId: ref,
    kind: { type: 'string', enum: ['inspection', 'work_order'] },
    stationId: uuid,
    completedAt: dateTime,
    link: { type: 'string', format: 'uri', pattern: '^https?://', maxLength: 500 },
    customer: contactSchema,
    vehicle: vehicleSchema,
  },
} as const;

export const partnerSaleCompletedV1Schema = {
  $id: PARTNER_SALE_COMPLETED_V1,
  type: 'object',
  additionalProperties: false,
  required: ['receiptNumber', 'stationId', 'soldAt', 'source', 'currency', 'totalMinor', 'lines'],
  properties: {
    receiptNumber: { type: 'string', minLength: 1, maxLength: 60 },
    receiptUrl: { type: 'string', format: 'uri', pattern: '^https?://', maxLength: 500 },
    stationId: uuid,
    soldAt: dateTime,
    source: { type: 'string', enum: ['pos', 'kiosk'] },
    bookingId: ref,
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    totalMinor: { type: 'integer', minimum: -1_000_000_000, maximum: 1_000_000_000 },
    lines: {
      type: 'array',
      minItems: 1,
      maxItems: 200,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'name', 'quantity', 'unitPriceMinor', 'vatRate', 'totalMinor'],
        properties: {
          kind: { type: 'string', enum: ['service', 'product'] },
          name: text(200),
          quantity: { type: 'number', exclusiveMinimum: 0, maximum: 1_000_000 },
          unitPriceMinor: { type: 'integer', minimum: -100_000_000, maximum: 100_000_000 },
          vatRate: { type: 'number', minimum: 0, maximum: 100 },
          totalMinor: { type: 'integer' },
        },
      },
    },
    customer: contactSchema,
  },
} as const;

export const partnerCustomerSubmittedV1Schema = {
  $id: PARTNER_CUSTOMER_SUBMITTED_V1,
  type: 'object',
  additionalProperties: false,
  required: ['submissionId', 'stationId', 'source', 'customer'],
  properties: {
    submissionId: ref,
    stationId: uuid,
    source: { type: 'string', enum: ['kiosk', 'online_check_in'] },
    customer: contactSchema,
    vehicle: vehicleSchema,
    bookingId: ref,
    consents: consentsSchema,
    preferences: preferencesSchema,
  },
} as const;

/** A rule a JSON Schema cannot say, broken at `field` (a path into the payload). */
export interface PayloadProblem {
  field: string;
  /** The problem document's reason for the field. */
  reason: string;
  message: string;
}

const vehicleProblems = (vehicle: PartnerVehicle | undefined): PayloadProblem[] => [
  ...(vehicle?.year !== undefined &&
  (vehicle.year < MIN_VEHICLE_YEAR || vehicle.year > maxVehicleYear())
    ? [
        {
          field: 'vehicle.year',
          reason: 'out_of_range',
          message: `vehicle.year must be ${MIN_VEHICLE_YEAR}-${maxVehicleYear()}`,
        },
      ]
    : []),
  ...(vehicle?.vin !== undefined && !VIN_PATTERN.test(normaliseVin(vehicle.vin))
    ? [
        {
          field: 'vehicle.vin',
          reason: 'invalid_format',
          message:
            'vehicle.vin must be 17 letters and digits without I, O or Q (spaces and hyphens ignored)',
        },
      ]
    : []),
];

/**
 * A phone the schema's E.164 pattern lets through but no numbering plan has (+358 00…): the
 * customers service would neither find nor keep it, so the customer would be made without it
 * or, with nothing else to go on, not at all. The same parser as the customers service's.
 */
const contactProblems = (contact: PartnerContact | undefined): PayloadProblem[] =>
  contact?.phone !== undefined && normalisePhone(contact.phone, 'FI') === null
    ? [
        {
          field: 'customer.phone',
          reason: 'invalid_phone',
          message: invalidPhoneMessage('customer.phone', contact.phone, 'FI'),
        },
      ]
    : [];

/**
 * Consents and preferences belong to the customer the contact details resolve to, so they need
 * details that always resolve to one, found or created: a name with a phone, an e-mail or an
 * external id (the customers service's rule for creating). One decision per purpose.
 */
function consentsPartProblems(
  part: PartnerConsentsPart & { customer?: PartnerContact },
): PayloadProblem[] {
  const problems: PayloadProblem[] = [];
  const c = part.customer;
  const named = Boolean(c?.firstName?.trim() || c?.lastName?.trim() || c?.companyName?.trim());
  if (!named || !(c?.phone || c?.email || c?.externalId)) {
    for (const field of ['consents', 'preferences'] as const) {
      if (part[field] !== undefined) {
        problems.push({
          field,
          reason: 'requires_customer',
          message: `${field} need customer details with a name and a phone, email or externalId`,
        });
      }
    }
  }
  const seen = new Set<string>();
  (part.consents ?? []).forEach((decision, i) => {
    if (seen.has(decision.purpose)) {
      problems.push({
        field: `consents.${i}.purpose`,
        reason: 'duplicate',
        message: 'one decision per purpose in an event',
      });
    }
    seen.add(decision.purpose);
  });
  return problems;
}

/**
 * The rules beyond each schema, checked after it by the gateway and by every consumer (through
 * libs/messaging's validator): a phone that can exist, a model year from 1900 to next year, a VIN
 * of 17 letters and digits without I, O or Q, receipt totals that add up, consents only with a
 * customer who can be found or made. `PARTNER_PAYLOAD_RULE_TEXTS` says the same in words.
 */
export const PARTNER_PAYLOAD_RULES: Record<string, (payload: never) => PayloadProblem[]> = {
  [PARTNER_BOOKING_CREATED_V1]: (p: PartnerBookingCreatedV1) => [
    ...contactProblems(p.customer),
    ...vehicleProblems(p.vehicle),
    ...consentsPartProblems(p),
  ],
  [PARTNER_WORK_COMPLETED_V1]: (p: PartnerWorkCompletedV1) => [
    ...contactProblems(p.customer),
    ...vehicleProblems(p.vehicle),
  ],
  [PARTNER_CUSTOMER_SUBMITTED_V1]: (p: PartnerCustomerSubmittedV1) => [
    ...contactProblems(p.customer),
    ...vehicleProblems(p.vehicle),
    ...consentsPartProblems(p),
  ],
  [PARTNER_SALE_COMPLETED_V1]: (p: PartnerSaleCompletedV1) => [
    ...contactProblems(p.customer),
    ...saleTotalsProblems(p.lines, p.totalMinor).map((problem) => ({
      ...problem,
      reason: 'totals_mismatch',
    })),
  ],
};

/**
 * The fields of a partner payload kept as they are when a rejected event is recorded: references,
 * stations, times, kinds and amounts, at any depth (`prepaid.amountMinor`, `lines.0.quantity`).
 * Everything else (contact details, vehicles, free text, line names, links, and any field the
 * schema does not know, which a typo may fill with anything) is replaced.
 */
export const PARTNER_KEPT_FIELDS = [
  'bookingId',
  'workOrderId',
  'submissionId',
  'receiptNumber',
  'stationId',
  'scheduledAt',
  'completedAt',
  'soldAt',
  'kind',
  'channel',
  'source',
  'currency',
  'amountMinor',
  'totalMinor',
  'quantity',
  'unitPriceMinor',
  'vatRate',
] as const;

/** Objects of a partner payload whose kept fields are kept too (see PARTNER_KEPT_FIELDS). */
export const PARTNER_KEPT_OBJECTS = ['prepaid', 'lines'] as const;

const REDACTED = '[redacted]';
const KEPT_FIELDS: ReadonlySet<string> = new Set(PARTNER_KEPT_FIELDS);
const KEPT_OBJECTS: ReadonlySet<string> = new Set(PARTNER_KEPT_OBJECTS);
const MAX_KEPT_PAYLOAD = 64 * 1024;

/**
 * A payload with every field but references, times, kinds and amounts replaced (by name, so the
 * reader sees which), or null when it is not an object or too big: what is kept of an event for
 * someone who may not see its personal data.
 */
export function redactedPartnerPayload(payload: unknown): unknown {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
  const copy = keptPart(payload);
  return JSON.stringify(copy).length <= MAX_KEPT_PAYLOAD ? copy : null;
}

function keptPart(value: object): unknown {
  if (Array.isArray(value)) {
    return value.map((item: unknown) =>
      typeof item === 'object' && item !== null ? keptPart(item) : REDACTED,
    );
  }
  return Object.fromEntries(
    Object.entries(value).map(([field, v]) => {
      if (KEPT_FIELDS.has(field) && (typeof v !== 'object' || v === null)) return [field, v];
      if (KEPT_OBJECTS.has(field) && typeof v === 'object' && v !== null) {
        return [field, keptPart(v as object)];
      }
      return [field, REDACTED];
    }),
  );
}

const RULE_TEXT = {
  phone: 'customer.phone must be a number that can exist',
  vehicle:
    `vehicle.year must be ${MIN_VEHICLE_YEAR} to next year, and vehicle.vin 17 letters and digits ` +
    'without I, O or Q once spaces and hyphens are dropped',
  consents:
    'consents and preferences need a customer with a name and a phone, email or externalId; ' +
    'one decision per purpose',
  totals:
    'each line totalMinor must be its quantity times its unitPriceMinor, rounded, and totalMinor ' +
    'the sum of the lines',
};

/** Each type's rules beyond its schema, in words (the description of the schema partners get). */
export const PARTNER_PAYLOAD_RULE_TEXTS: Record<PartnerEventType, string[]> = {
  [PARTNER_BOOKING_CREATED_V1]: [RULE_TEXT.phone, RULE_TEXT.vehicle, RULE_TEXT.consents],
  [PARTNER_BOOKING_RESCHEDULED_V1]: [],
  [PARTNER_BOOKING_CANCELLED_V1]: [],
  [PARTNER_BOOKING_NO_SHOW_V1]: [],
  [PARTNER_WORK_COMPLETED_V1]: [RULE_TEXT.phone, RULE_TEXT.vehicle],
  [PARTNER_SALE_COMPLETED_V1]: [RULE_TEXT.phone, RULE_TEXT.totals],
  [PARTNER_CUSTOMER_SUBMITTED_V1]: [RULE_TEXT.phone, RULE_TEXT.vehicle, RULE_TEXT.consents],
};
