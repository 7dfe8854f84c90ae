import { randomUUID } from 'node:crypto';
import {
  ACCESS_RECORDED_V2,
  customerIdsArrayLiteral,
  decodeCustomerIds,
  encodeCustomerIds,
  type AccessRecordedV2,
} from '@kanta/contracts';
import { EventValidator } from './event-validation';

/*
 * The compact access record (gateway.access.recorded.v2) as the privacy service's consumer sees
 * it: customer ids as 16 bytes each, callers once per flush; what breaks it is refused before any
 * handler runs.
 */
describe('the compact access record', () => {
  const validator = new EventValidator();
  const ids = [randomUUID(), randomUUID().toUpperCase(), randomUUID()];
  const flush = (payload: AccessRecordedV2) =>
    validator.validate(
      Buffer.from(
        JSON.stringify({
          eventId: randomUUID(),
          type: ACCESS_RECORDED_V2,
          occurredAt: new Date().toISOString(),
          tenantId: randomUUID(),
          producer: 'gateway',
          correlationId: null,
          payload,
        }),
      ),
    );
  const entry = (customers: string, caller = 0) => ({
    id: randomUUID(),
    at: new Date().toISOString(),
    action: 'search' as const,
    caller,
    customers,
    correlationId: 'req-1',
  });
  const callers = [{ userId: randomUUID(), role: 'worker' as const, stationId: null }];

  it('carries customer ids as 16 bytes each (24 base64 characters for one, not 36), read back in lower case', () => {
    const text = encodeCustomerIds(ids);
    expect(text).toHaveLength(4 * Math.ceil((16 * 3) / 3));
    expect(decodeCustomerIds(encodeCustomerIds([ids[0]]))).toEqual([ids[0]]);
    expect(decodeCustomerIds(text)).toEqual(ids.map((id) => id.toLowerCase()));
    expect(customerIdsArrayLiteral(text)).toBe(
      `{${ids.map((id) => id.toLowerCase().replace(/-/g, '')).join(',')}}`,
    );
  });

  it('refuses to encode what is not a UUID', () => {
    expect(() => encodeCustomerIds(['not-a-uuid'])).toThrow('not a UUID');
    const id = randomUUID();
    // The right length, but a letter beyond f, a character beyond ASCII, a dash missing.
    for (const bad of [
      `g${id.slice(1)}`,
      `\u00e1${id.slice(1)}`,
      `${id.slice(0, 8)}0${id.slice(9)}`,
    ]) {
      expect(() => encodeCustomerIds([id, bad])).toThrow('not a UUID: entry 1');
    }
  });

  it('accepts a flush whose entries name its callers and whole ids', () => {
    const result = flush({ callers, entries: [entry(encodeCustomerIds(ids))] });
    expect(result).toEqual(expect.objectContaining({ valid: true }));
  });

  it('refuses an entry naming a caller the flush does not have, and customers that are not whole ids', () => {
    const unknownCaller = flush({ callers, entries: [entry(encodeCustomerIds(ids), 1)] });
    expect(unknownCaller).toEqual({
      valid: false,
      reason: expect.stringContaining('entries.0.caller must name one of the 1 callers') as unknown,
    });
    // 31 bytes: base64 text of the right form and length, but not whole ids.
    const partial = flush({ callers, entries: [entry(Buffer.alloc(31).toString('base64'))] });
    expect(partial).toEqual({
      valid: false,
      reason: expect.stringContaining('entries.0.customers must be whole 16-byte ids') as unknown,
    });
    const notBase64 = flush({ callers, entries: [entry('!'.repeat(24))] });
    expect(notBase64).toEqual({
      valid: false,
      reason: expect.stringContaining('/entries/0/customers') as unknown,
    });
  });
});
