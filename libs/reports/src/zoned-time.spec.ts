import { WallClockText, ZonedTime } from './zoned-time';

describe('ZonedTime', () => {
  const helsinki = new ZonedTime('Europe/Helsinki');
  const wall = (iso: string, time = helsinki): string =>
    new WallClockText().format(time.wallClock(Date.parse(iso)));

  it('shows an instant as the wall clock of the zone, summer and winter', () => {
    expect(wall('2026-06-15T09:30:00Z')).toBe('2026-06-15 12:30:00');
    expect(wall('2026-01-15T09:30:00Z')).toBe('2026-01-15 11:30:00');
  });

  it('changes offset at the daylight saving transitions, to the minute', () => {
    // EU: last Sunday of March and October at 01:00 UTC.
    expect(wall('2026-03-29T00:59:00Z')).toBe('2026-03-29 02:59:00');
    expect(wall('2026-03-29T01:00:00Z')).toBe('2026-03-29 04:00:00');
    expect(wall('2026-10-25T00:59:00Z')).toBe('2026-10-25 03:59:00');
    expect(wall('2026-10-25T01:00:00Z')).toBe('2026-10-25 03:00:00');
  });

  it('handles zones with half-hour offsets and transitions (Lord Howe)', () => {
    const lordHowe = new ZonedTime('Australia/Lord_Howe');
    // 2026-04-05 02:00 local (+11) back to 01:30 (+10:30), i.e. 15:00 UTC.
    expect(wall('2026-04-04T14:59:00Z', lordHowe)).toBe('2026-04-05 01:59:00');
    expect(wall('2026-04-04T15:00:00Z', lordHowe)).toBe('2026-04-05 01:30:00');
  });

  it('asks Intl twice a day however the instants are ordered (rows come in id order)', () => {
    const formatToParts = jest.spyOn(Intl.DateTimeFormat.prototype, 'formatToParts');
    try {
      const time = new ZonedTime('Europe/Helsinki');
      const days = 1500;
      const start = Date.UTC(2022, 0, 1);
      // Every day of four years, ten times over, each pass in another order.
      for (let pass = 0; pass < 10; pass++) {
        for (let i = 0; i < days; i++) {
          const day = (i * 7919 + pass * 104_729) % days;
          time.wallClock(start + day * 86_400_000 + ((i * 37) % 96) * 900_000);
        }
      }
      // Two a day, and the quarter hours of the eight days the clocks change.
      expect(formatToParts.mock.calls.length).toBeLessThanOrEqual(2 * days + 8 * 96);
    } finally {
      formatToParts.mockRestore();
    }
  });

  it('gives Excel serials from 1899-12-30', () => {
    expect(new ZonedTime('UTC').excelSerial(Date.UTC(2026, 0, 1, 12))).toBe(46023.5);
  });

  it('refuses a zone that is not one', () => {
    expect(() => new ZonedTime('Europe/Nowhere')).toThrow(RangeError);
  });
});
