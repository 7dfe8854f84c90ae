import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import {
  EVENT_PAYLOAD_RULES,
  EVENT_PAYLOAD_SCHEMAS,
  PARTNER_EVENT_TYPES,
  PARTNER_PAYLOAD_RULE_TEXTS,
  type FieldError,
  type PartnerEventType,
} from '@kanta/contracts';

/** ajv keywords, folded into the reasons our problem documents use. */
const REASONS: Record<string, string> = {
  required: 'required',
  additionalProperties: 'unknown_field',
  type: 'invalid_type',
  enum: 'not_allowed',
  format: 'invalid_format',
  pattern: 'invalid_format',
  minLength: 'too_short',
  maxLength: 'too_long',
  minItems: 'too_few',
  minProperties: 'too_few',
  maxItems: 'too_many',
  minimum: 'too_small',
  exclusiveMinimum: 'too_small',
  maximum: 'too_large',
};

/**
 * Checks a partner's payload against the same JSON Schemas (and the rules beyond them) that the
 * consumers check, and says what is wrong field by field: `payload.customer.phone`
 * `invalid_format`. Never quotes the values.
 */
export class PartnerPayloads {
  private readonly validators = new Map<string, ValidateFunction>();

  constructor() {
    const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strict: true });
    addFormats(ajv);
    for (const type of PARTNER_EVENT_TYPES) {
      this.validators.set(type, ajv.compile(EVENT_PAYLOAD_SCHEMAS[type]));
    }
  }

  isKnown(type: string): type is PartnerEventType {
    return this.validators.has(type);
  }

  problems(type: PartnerEventType, payload: unknown): FieldError[] {
    const validate = this.validators.get(type)!;
    if (!validate(payload)) return (validate.errors ?? []).map(fieldError);
    const rule = EVENT_PAYLOAD_RULES[type];
    return (rule ? rule(payload as never) : []).map((p) => ({
      field: `payload.${p.field}`,
      reason: p.reason,
      message: p.message,
    }));
  }
}

function fieldError(error: ErrorObject): FieldError {
  const path = error.instancePath.split('/').filter(Boolean);
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  if (params.missingProperty) path.push(params.missingProperty);
  if (params.additionalProperty) path.push(params.additionalProperty);
  const field = ['payload', ...path].join('.');
  return {
    field,
    reason: REASONS[error.keyword] ?? 'invalid',
    message: `${field} ${error.message ?? 'is invalid'}`,
  };
}

/**
 * The JSON Schema (draft-07) of a type's payload, as partners may fetch it to check their events
 * before sending; the type's rules beyond it, and the station check, are in its description.
 */
export function partnerPayloadSchema(type: PartnerEventType): object {
  const rules = [...PARTNER_PAYLOAD_RULE_TEXTS[type], 'stationId must be a station of your tenant'];
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    description: `The payload of ${type}. Beyond this schema: ${rules.join('; ')}.`,
    ...EVENT_PAYLOAD_SCHEMAS[type],
  };
}
