import { normalisePhone } from './phone';

describe('normalisePhone', () => {
  it('reads a national number with the tenant country and keeps the typed form', () => {
    expect(normalisePhone(' 040 123 4567 ', 'FI')).toEqual({
      e164: '+358401234567',
      nationalDigits: '0401234567',
      raw: '040 123 4567',
    });
  });

  it('honours an explicit country code over the tenant country', () => {
    expect(normalisePhone('+48 501 234 567', 'FI')?.e164).toBe('+48501234567');
    expect(normalisePhone('501 234 567', 'PL')?.e164).toBe('+48501234567');
  });

  it('refuses numbers that cannot exist, which the small metadata would accept', () => {
    expect(normalisePhone('040 12', 'FI')).toBeNull();
    expect(normalisePhone('+358 00 0000000', 'FI')).toBeNull();
    expect(normalisePhone('not a phone', 'FI')).toBeNull();
    expect(normalisePhone('   ', 'FI')).toBeNull();
  });
});
