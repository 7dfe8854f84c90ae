import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import {
  EVENT_PAYLOAD_RULES,
  EVENT_PAYLOAD_SCHEMAS,
  envelopeSchema,
  occurredTooFarAhead,
  requiresTenant,
  type EventEnvelope,
  type EventPayloads,
  type EventType,
} from '@kanta/contracts';

/** An envelope whose type is known to the contracts, with the payload type that goes with it. */
export type KnownEventEnvelope = {
  [T in EventType]: EventEnvelope<EventPayloads[T], T>;
}[EventType];

export type EventValidationResult =
  { valid: true; event: KnownEventEnvelope } | { valid: false; reason: string };

/**
 * Validates what arrives from the broker against the contracts: the envelope first, then the
 * payload against the schema of its type. Schemas are compiled once per process.
 */
export class EventValidator {
  private readonly envelope: ValidateFunction;
  private readonly payloads = new Map<string, ValidateFunction>();

  constructor(
    payloadSchemas: Readonly<Record<string, object>> = EVENT_PAYLOAD_SCHEMAS,
    private readonly payloadRules: Readonly<
      Partial<Record<string, (payload: never) => { field: string; message: string }[]>>
    > = EVENT_PAYLOAD_RULES,
  ) {
    // Union types (`["string", "null"]`) are part of the envelope contract.
    const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strict: true });
    addFormats(ajv);
    this.envelope = ajv.compile(envelopeSchema);
    for (const [type, schema] of Object.entries(payloadSchemas)) {
      this.payloads.set(type, ajv.compile(schema));
    }
  }

  validate(content: Buffer): EventValidationResult {
    let parsed: unknown;
    try {
      parsed = JSON.parse(content.toString('utf8'));
    } catch {
      return { valid: false, reason: 'body is not JSON' };
    }
    if (!this.envelope(parsed)) {
      return { valid: false, reason: `envelope: ${describe(this.envelope)}` };
    }
    const envelope = parsed as EventEnvelope<unknown>;
    if (occurredTooFarAhead(envelope.occurredAt)) {
      return { valid: false, reason: 'envelope: /occurredAt is more than a day ahead' };
    }
    if (envelope.tenantId === null && requiresTenant(envelope.type)) {
      return {
        valid: false,
        reason: `envelope: /tenantId must name a tenant for ${envelope.type}`,
      };
    }
    const payload = this.payloads.get(envelope.type);
    if (!payload) {
      return { valid: false, reason: `unknown event type ${envelope.type}` };
    }
    if (!payload(envelope.payload)) {
      return { valid: false, reason: `payload of ${envelope.type}: ${describe(payload)}` };
    }
    const rule = this.payloadRules[envelope.type];
    const broken = rule ? rule(envelope.payload as never) : [];
    if (broken.length > 0) {
      return {
        valid: false,
        reason: `payload of ${envelope.type}: ${broken.map((b) => b.message).join('; ')}`,
      };
    }
    return { valid: true, event: envelope as KnownEventEnvelope };
  }
}

// Paths and rules only, never the offending values: they may be personal data.
function describe(validate: ValidateFunction): string {
  return (validate.errors ?? [])
    .slice(0, 10)
    .map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`)
    .join('; ');
}
