import { randomUUID } from 'node:crypto';
import { CUSTOMER_CREATED_V1 } from '@kanta/contracts';
import { HEADERS, errorText, eventPublishOptions, numberHeader } from './message-format';
import { EventValidator } from './event-validation';
import { backoffDelay } from './outbox-relay';
import { newEventId } from './outbox';

describe('eventPublishOptions', () => {
  it('makes an event persistent, mandatory, JSON, identified by its event id and correlated', () => {
    const eventId = randomUUID();
    const options = eventPublishOptions({
      eventId,
      type: CUSTOMER_CREATED_V1,
      producer: 'customers',
      correlationId: 'req-1',
      body: Buffer.from('{}'),
    });
    expect(options).toMatchObject({
      persistent: true,
      mandatory: true,
      messageId: eventId,
      contentType: 'application/json',
      correlationId: 'req-1',
      headers: { [HEADERS.correlationId]: 'req-1', [HEADERS.eventType]: CUSTOMER_CREATED_V1 },
    });
  });
});

describe('headers and errors', () => {
  it('reads attempt counts whatever number form the broker hands back', () => {
    expect(numberHeader({ [HEADERS.attempts]: 2 }, HEADERS.attempts)).toBe(2);
    expect(numberHeader({ [HEADERS.attempts]: '3' }, HEADERS.attempts)).toBe(3);
    expect(numberHeader(undefined, HEADERS.attempts)).toBe(0);
  });

  it('keeps error text to one bounded line', () => {
    const text = errorText(new Error(`line one\nline two ${'x'.repeat(2000)}`), 100);
    expect(text).toHaveLength(100);
    expect(text).toMatch(/^Error: line one line two x+…$/);
  });
});

describe('backoffDelay', () => {
  it('doubles from the initial delay and never exceeds the maximum by more than the jitter', () => {
    const backoff = { initialMs: 100, maxMs: 1000 };
    expect(backoffDelay(1, backoff)).toBeGreaterThanOrEqual(80);
    expect(backoffDelay(1, backoff)).toBeLessThanOrEqual(120);
    expect(backoffDelay(3, backoff)).toBeGreaterThanOrEqual(320);
    expect(backoffDelay(20, backoff)).toBeLessThanOrEqual(1200);
  });
});

describe('newEventId', () => {
  it('is a version 7 UUID that sorts by creation time', () => {
    const earlier = newEventId(1_700_000_000_000);
    const later = newEventId(1_700_000_000_001);
    expect(earlier).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(earlier < later).toBe(true);
  });
});

describe('EventValidator', () => {
  const validator = new EventValidator();
  const valid = {
    eventId: randomUUID(),
    type: CUSTOMER_CREATED_V1,
    occurredAt: new Date().toISOString(),
    tenantId: null,
    producer: 'customers',
    correlationId: null,
    payload: {
      customerId: randomUUID(),
      customerNumber: '1',
      kind: 'person',
      status: 'active',
      origin: 'pos',
      stationIds: [],
      version: 1,
    },
  };
  const check = (value: unknown) => validator.validate(Buffer.from(JSON.stringify(value)));

  it('accepts an envelope and payload that follow the contracts', () => {
    expect(check(valid)).toMatchObject({ valid: true, event: { eventId: valid.eventId } });
  });

  it('refuses an event that happened more than a day ahead of now, not one a little ahead', () => {
    const ahead = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();
    expect(check({ ...valid, occurredAt: ahead(25) })).toEqual({
      valid: false,
      reason: 'envelope: /occurredAt is more than a day ahead',
    });
    expect(check({ ...valid, occurredAt: ahead(1) })).toMatchObject({ valid: true });
  });

  it('names the envelope field that is wrong', () => {
    expect(check({ ...valid, eventId: 'nope' })).toEqual({
      valid: false,
      reason: 'envelope: /eventId must match format "uuid"',
    });
  });

  it('rejects a payload against the schema of its type without echoing the values', () => {
    const result = check({ ...valid, payload: { ...valid.payload, kind: 'secret-value' } });
    expect(result).toMatchObject({ valid: false });
    expect(JSON.stringify(result)).toContain('/kind must be equal to one of the allowed values');
    expect(JSON.stringify(result)).not.toContain('secret-value');
  });

  it('rejects an event type the contracts do not know', () => {
    expect(check({ ...valid, type: 'customers.customer.exploded.v1' })).toEqual({
      valid: false,
      reason: 'unknown event type customers.customer.exploded.v1',
    });
  });
});
