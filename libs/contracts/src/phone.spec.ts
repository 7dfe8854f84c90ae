import { invalidPhoneMessage, normalisePhone } from './phone';

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

describe('invalidPhoneMessage', () => {
  it.each([
    ['+33 1', 'phone is too short for a phone number of +33 (FR)'],
    ['+33 1 23 45 67 89 01 23', 'phone is too long for a phone number of +33 (FR)'],
    ['+33 0 00 00 00 00', 'phone is not in any number range of +33 (FR)'],
    ['+999 123', 'phone starts with a country code that no country has'],
    ['not a phone', 'phone is not a phone number'],
    ['040 12', 'phone is not in any number range of FI (read in FI: it has no +country code)'],
    ['12', 'phone is too short for a phone number of FI (read in FI: it has no +country code)'],
  ])('says what is wrong with %s', (raw, message) => {
    expect(normalisePhone(raw, 'FI')).toBeNull();
    expect(invalidPhoneMessage('phone', raw, 'FI')).toBe(message);
  });

  it('never blames the tenant country for a number that has its own +code', () => {
    expect(invalidPhoneMessage('phone', '+33 1', 'FI')).not.toMatch(/FI/);
  });
});
