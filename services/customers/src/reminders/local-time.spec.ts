import { formatInZone, offsetAt, parseDateTime } from './local-time';

const iso = (epoch: number | null): string | null =>
  epoch === null ? null : new Date(epoch).toISOString();

describe('reading a date-time typed by a person', () => {
  it('takes a date-time with Z or an offset as that moment, whatever the zone', () => {
    expect(iso(parseDateTime('2026-12-01T09:00:00Z', 'Europe/Helsinki'))).toBe(
      '2026-12-01T09:00:00.000Z',
    );
    expect(iso(parseDateTime('2026-12-01T09:00+02:00', 'America/New_York'))).toBe(
      '2026-12-01T07:00:00.000Z',
    );
    expect(iso(parseDateTime('2026-12-01T09:00:30.5-05:30', 'UTC'))).toBe(
      '2026-12-01T14:30:30.500Z',
    );
  });

  it('reads a date-time without a zone in the tenant’s zone, winter and summer', () => {
    expect(iso(parseDateTime('2026-12-01T09:00', 'Europe/Helsinki'))).toBe(
      '2026-12-01T07:00:00.000Z',
    );
    expect(iso(parseDateTime('2026-07-01T09:00', 'Europe/Helsinki'))).toBe(
      '2026-07-01T06:00:00.000Z',
    );
    expect(iso(parseDateTime('2026-07-01T09:00', 'America/New_York'))).toBe(
      '2026-07-01T13:00:00.000Z',
    );
    expect(iso(parseDateTime('2026-07-01T09:00', 'UTC'))).toBe('2026-07-01T09:00:00.000Z');
  });

  it('reads the hours on both sides of the spring-forward change (Helsinki, 29 March 2026)', () => {
    // 03:00 EET becomes 04:00 EEST at 01:00 UTC.
    expect(iso(parseDateTime('2026-03-29T02:59', 'Europe/Helsinki'))).toBe(
      '2026-03-29T00:59:00.000Z',
    );
    expect(iso(parseDateTime('2026-03-29T04:00', 'Europe/Helsinki'))).toBe(
      '2026-03-29T01:00:00.000Z',
    );
    // 03:30 does not exist that night: it moves forward by the hour of the gap.
    expect(iso(parseDateTime('2026-03-29T03:30', 'Europe/Helsinki'))).toBe(
      '2026-03-29T01:30:00.000Z',
    );
  });

  it('takes the earlier of a time that happens twice (Helsinki, 25 October 2026)', () => {
    // 04:00 EEST becomes 03:00 EET at 01:00 UTC: 03:30 happens at 00:30 and at 01:30 UTC.
    expect(iso(parseDateTime('2026-10-25T03:30', 'Europe/Helsinki'))).toBe(
      '2026-10-25T00:30:00.000Z',
    );
    expect(iso(parseDateTime('2026-10-25T04:00', 'Europe/Helsinki'))).toBe(
      '2026-10-25T02:00:00.000Z',
    );
  });

  it('works in zones west of UTC and with half-hour offsets', () => {
    // New York springs forward at 02:00 on 8 March 2026.
    expect(iso(parseDateTime('2026-03-08T02:30', 'America/New_York'))).toBe(
      '2026-03-08T07:30:00.000Z',
    );
    expect(iso(parseDateTime('2026-11-01T01:30', 'America/New_York'))).toBe(
      '2026-11-01T05:30:00.000Z',
    );
    expect(iso(parseDateTime('2026-01-15T12:00', 'Asia/Kolkata'))).toBe('2026-01-15T06:30:00.000Z');
  });

  it.each([
    '2026-02-30T09:00',
    '2026-13-01T09:00',
    '2026-12-01T24:00',
    '2026-12-01T09:60',
    '2026-12-01T09:00:61Z',
    '2026-12-01T09:00+19:00',
    '2026-12-01',
    '2026-12-01 09:00',
    '2026-W48-1T09:00',
    'tomorrow',
  ])('refuses %p', (value) => {
    expect(parseDateTime(value, 'Europe/Helsinki')).toBeNull();
  });
});

describe('showing a moment in the tenant’s zone', () => {
  it('writes the wall-clock time with the offset in force at that moment', () => {
    expect(formatInZone(Date.parse('2026-12-01T07:00:00Z'), 'Europe/Helsinki')).toBe(
      '2026-12-01T09:00:00+02:00',
    );
    expect(formatInZone(Date.parse('2026-07-01T06:00:00Z'), 'Europe/Helsinki')).toBe(
      '2026-07-01T09:00:00+03:00',
    );
    expect(formatInZone(Date.parse('2026-07-01T13:00:00Z'), 'America/New_York')).toBe(
      '2026-07-01T09:00:00-04:00',
    );
    expect(formatInZone(Date.parse('2026-01-15T06:30:00Z'), 'Asia/Kolkata')).toBe(
      '2026-01-15T12:00:00+05:30',
    );
    expect(formatInZone(Date.parse('2026-01-15T06:30:00Z'), 'UTC')).toBe(
      '2026-01-15T06:30:00+00:00',
    );
  });

  it('shows the two 03:30s of the autumn night with their own offsets', () => {
    expect(formatInZone(Date.parse('2026-10-25T00:30:00Z'), 'Europe/Helsinki')).toBe(
      '2026-10-25T03:30:00+03:00',
    );
    expect(formatInZone(Date.parse('2026-10-25T01:30:00Z'), 'Europe/Helsinki')).toBe(
      '2026-10-25T03:30:00+02:00',
    );
    expect(offsetAt('Europe/Helsinki', Date.parse('2026-10-25T01:30:00Z'))).toBe(2 * 3600_000);
  });
});
