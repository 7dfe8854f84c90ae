import { randomUUID } from 'node:crypto';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { PARTNER_EVENT_TYPES } from '@kanta/contracts';
import { PartnerPayloads, partnerPayloadSchema } from './partner-payloads';

describe('partnerPayloadSchema', () => {
  // What a partner does with it: compile it with a stock draft-07 validator, outside Kanta.
  const compile = (type: (typeof PARTNER_EVENT_TYPES)[number]) => {
    const ajv = new Ajv({ allErrors: true });
    addFormats(ajv);
    return ajv.compile(partnerPayloadSchema(type));
  };

  it('gives every partner type a draft-07 schema that says what the gateway says', () => {
    const booking = compile('partner.booking.created.v1');
    const good = {
      bookingId: 'B-1',
      stationId: randomUUID(),
      scheduledAt: '2026-12-01T09:00:00Z',
      customer: { firstName: 'Testi', phone: '+358401230001' },
    };
    const typo = { ...good, colour: 'red' };
    expect(booking(good)).toBe(true);
    expect(booking(typo)).toBe(false);
    const payloads = new PartnerPayloads();
    expect(payloads.problems('partner.booking.created.v1', good)).toEqual([]);
    expect(payloads.problems('partner.booking.created.v1', typo)).toEqual([
      expect.objectContaining({ field: 'payload.colour', reason: 'unknown_field' }),
    ]);
    for (const type of PARTNER_EVENT_TYPES) {
      expect(partnerPayloadSchema(type)).toMatchObject({
        $schema: 'http://json-schema.org/draft-07/schema#',
        $id: type,
      });
      expect(() => compile(type)).not.toThrow();
    }
    // Each type's description names its own rules only.
    const description = (type: (typeof PARTNER_EVENT_TYPES)[number]) =>
      (partnerPayloadSchema(type) as { description: string }).description;
    expect(description('partner.booking.cancelled.v1')).not.toContain('phone');
    expect(description('partner.sale.completed.v1')).toContain('totalMinor');
    expect(description('partner.sale.completed.v1')).not.toContain('vehicle.vin');
    expect(description('partner.booking.created.v1')).toContain('vehicle.year must be 1900');
  });
});
