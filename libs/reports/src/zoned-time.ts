const MINUTE = 60_000;
const DAY = 86_400_000;
/** 1899-12-30, day 0 of Excel's 1900 date system (after its 1900 leap-year bug). */
const EXCEL_EPOCH = Date.UTC(1899, 11, 30);
/** Offsets change at most every 15 minutes of UTC (zones shift by 15, 30 or 60 minutes). */
const BUCKET = 15 * MINUTE;
/** Days remembered (about 270 years), and wall-clock days' texts. */
const CACHE_LIMIT = 100_000;

/**
 * Wall-clock time of one IANA time zone. Intl's conversion costs microseconds, too much for a
 * million rows; the offset is remembered per UTC day, or per quarter of an hour (within which it
 * cannot change) on the few days it changes. Per day, because a report's rows come in the order
 * of their ids, not of their times: a cache of quarter hours was emptied and filled again all
 * the time by a registry whose cards span a few years (a fifth of a million-row CSV's time).
 */
export class ZonedTime {
  private readonly format: Intl.DateTimeFormat;
  /** The offset of each UTC day asked for; NaN for a day in which it changes. */
  private readonly days = new Map<number, number>();
  /** The offsets of the quarter hours of days in which it changes. */
  private readonly transitions = new Map<number, number>();

  constructor(readonly timeZone: string) {
    // Throws a RangeError naming the zone when it is not one.
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** The instant's wall clock in the zone, as milliseconds of a UTC date with the same fields. */
  wallClock(instant: number): number {
    const day = Math.floor(instant / DAY);
    let offset = this.days.get(day);
    if (offset === undefined) {
      if (this.days.size >= CACHE_LIMIT) this.days.clear();
      // The same offset at both ends of the UTC day holds for all of it (no zone changes twice
      // in a day): two Intl calls a day.
      const atStart = this.offsetAt(day * DAY);
      offset = atStart === this.offsetAt(day * DAY + DAY - BUCKET) ? atStart : NaN;
      this.days.set(day, offset);
    }
    if (Number.isNaN(offset)) {
      const bucket = Math.floor(instant / BUCKET);
      offset = this.transitions.get(bucket);
      if (offset === undefined) {
        if (this.transitions.size >= CACHE_LIMIT) this.transitions.clear();
        offset = this.offsetAt(bucket * BUCKET);
        this.transitions.set(bucket, offset);
      }
    }
    return instant + offset;
  }

  /** Excel's serial of the instant's wall clock (days since 1899-12-30, the time a fraction). */
  excelSerial(instant: number): number {
    return (this.wallClock(instant) - EXCEL_EPOCH) / DAY;
  }

  private offsetAt(instant: number): number {
    const fields: Record<string, number> = {};
    for (const part of this.format.formatToParts(instant)) {
      if (part.type !== 'literal') fields[part.type] = Number(part.value);
    }
    const wall = Date.UTC(
      fields.year,
      fields.month - 1,
      fields.day,
      fields.hour,
      fields.minute,
      fields.second,
    );
    return Math.round((wall - instant) / MINUTE) * MINUTE;
  }
}

/** Excel's serial of a calendar date. */
export function excelDateSerial(year: number, month: number, day: number): number {
  return (Date.UTC(year, month - 1, day) - EXCEL_EPOCH) / DAY;
}

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `value` is a `YYYY-MM-DD` calendar date. */
export function isCalendarDate(value: string): boolean {
  return value.length === 10 && CALENDAR_DATE.test(value);
}

/** `YYYY-MM-DD` as [year, month, day], or undefined for anything else. */
export function calendarDate(value: string): [number, number, number] | undefined {
  if (value.length !== 10) return undefined;
  const match = CALENDAR_DATE.exec(value);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/** An instant from a Date, epoch milliseconds or an ISO string; throws on anything else. */
export function instantOf(value: Date | number | string, where: () => string): number {
  const ms =
    value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new TypeError(`${where()}: not a date: ${String(value)}`);
  return ms;
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/**
 * `YYYY-MM-DD HH:MM:SS` of wall clocks (as `ZonedTime.wallClock` gives them), each day's date
 * text remembered: Date's own formatting took most of a CSV row's time.
 */
export class WallClockText {
  private readonly days = new Map<number, string>();

  format(wall: number): string {
    const day = Math.floor(wall / DAY);
    const seconds = Math.floor((wall - day * DAY) / 1000);
    return `${this.dayText(day)} ${TWO_DIGITS[Math.floor(seconds / 3600)]}:${TWO_DIGITS[Math.floor(seconds / 60) % 60]}:${TWO_DIGITS[seconds % 60]}`;
  }

  date(wall: number): string {
    return this.dayText(Math.floor(wall / DAY));
  }

  private dayText(day: number): string {
    let text = this.days.get(day);
    if (text === undefined) {
      if (this.days.size >= CACHE_LIMIT) this.days.clear();
      text = new Date(day * DAY).toISOString().slice(0, 10);
      this.days.set(day, text);
    }
    return text;
  }
}
