/*
 * Moments are stored in UTC; people type and read them in their tenant's time zone. These are the
 * two conversions, with Intl's time-zone data, so they follow daylight saving time.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The zone's offset from UTC at a moment, in milliseconds (+2 h in Helsinki in winter). */
export function offsetAt(timeZone: string, epochMs: number): number {
  const whole = Math.floor(epochMs / 1000) * 1000;
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(whole)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(
    parts.year,
    parts.month - 1,
    parts.day,
    parts.hour,
    parts.minute,
    parts.second,
  );
  return wall - whole;
}

export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/**
 * The moment a wall-clock time in a zone stands for. Around a change of offset it decides as
 * Temporal's `compatible` disambiguation (and most calendars) do: a time that occurs twice (the
 * clocks go back) is the earlier one; a time that does not exist (the clocks go forward) is moved
 * forward by the length of the gap (03:30 on the spring-forward day in Helsinki is 04:30).
 */
export function zonedToEpoch(local: LocalDateTime, timeZone: string): number {
  const asUtc = Date.UTC(
    local.year,
    local.month - 1,
    local.day,
    local.hour,
    local.minute,
    local.second,
    local.millisecond,
  );
  const day = 24 * 3600 * 1000;
  // The offsets in force a day either side: every zone keeps an offset longer than that.
  const before = offsetAt(timeZone, asUtc - day);
  const after = offsetAt(timeZone, asUtc + day);
  const candidates = [...new Set([before, after])]
    .map((offset) => asUtc - offset)
    .filter((epoch) => asUtc - offsetAt(timeZone, epoch) === epoch)
    .sort((a, b) => a - b);
  return candidates[0] ?? asUtc - before;
}

/** `2026-12-01T09:00:00+02:00`: the moment as the zone's wall clock, with the offset. */
export function formatInZone(epochMs: number, timeZone: string): string {
  const offset = offsetAt(timeZone, epochMs);
  const wall = new Date(Math.floor(epochMs / 1000) * 1000 + offset).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const minutes = Math.abs(offset) / 60_000;
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${wall}${sign}${hh}:${mm}`;
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|([+-])(\d{2}):(\d{2}))?$/;

/**
 * A date-time as the API accepts it: with a zone it is that moment; without one it is a wall-clock
 * time in `timeZone`. null for anything else, including dates that do not exist (February 30th).
 */
export function parseDateTime(value: string, timeZone: string): number | null {
  const m = DATE_TIME.exec(value);
  if (!m) return null;
  const local: LocalDateTime = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6] ?? 0),
    millisecond: Number((m[7] ?? '0').padEnd(3, '0')),
  };
  const check = new Date(
    Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute),
  );
  if (
    check.getUTCFullYear() !== local.year ||
    check.getUTCMonth() !== local.month - 1 ||
    check.getUTCDate() !== local.day ||
    check.getUTCHours() !== local.hour ||
    local.minute > 59 ||
    local.second > 59
  ) {
    return null;
  }
  if (m[8] === undefined) return zonedToEpoch(local, timeZone);
  const asUtc = check.getTime() + local.second * 1000 + local.millisecond;
  if (m[8] === 'Z') return asUtc;
  const hours = Number(m[10]);
  const minutes = Number(m[11]);
  if (hours > 18 || minutes > 59) return null;
  const offset = (m[9] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000;
  return asUtc - offset;
}
