const MINUTE = 60_000;
const DAY = 86_400_000;
/** 1899-12-30, day 0 of Excel's 1900 date system (after its 1900 leap-year bug). */
const EXCEL_EPOCH = Date.UTC(1899, 11, 30);
/** Offsets change at most every 15 minutes of UTC (zones shift by 15, 30 or 60 minutes). */
const BUCKET = 15 * MINUTE;
const CACHE_LIMIT = 100_000;

/**
 * Wall-clock time of one IANA time zone. Intl's conversion costs microseconds, too much for a
 * million rows; the offset is cached per quarter of an hour, within which it cannot change.
 */
export class ZonedTime {
  private readonly format: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();
  /** The last bucket asked for: rows of a report come mostly in time order. */
  private lastBucket = NaN;
  private lastOffset = 0;

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
    const bucket = Math.floor(instant / BUCKET);
    if (bucket === this.lastBucket) return instant + this.lastOffset;
    let offset = this.offsets.get(bucket);
    if (offset === undefined) {
      if (this.offsets.size >= CACHE_LIMIT) this.offsets.clear();
      // The same offset at both ends of the UTC day holds for all of it (no zone changes twice
      // in a day): the whole day's buckets are filled at once, two Intl calls a day.
      const dayStart = Math.floor(instant / DAY) * DAY;
      const atStart = this.offsetAt(dayStart);
      if (atStart === this.offsetAt(dayStart + DAY - BUCKET)) {
        for (let b = dayStart / BUCKET; b < (dayStart + DAY) / BUCKET; b++) {
          this.offsets.set(b, atStart);
        }
        offset = atStart;
      } else {
        offset = this.offsetAt(bucket * BUCKET);
        this.offsets.set(bucket, offset);
      }
    }
    this.lastBucket = bucket;
    this.lastOffset = offset;
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
 * `YYYY-MM-DD HH:MM:SS` of wall clocks (as `ZonedTime.wallClock` gives them), the date part
 * remembered from the last call: Date's own formatting took most of a CSV row's time.
 */
export class WallClockText {
  private day = NaN;
  private dayText = '';

  format(wall: number): string {
    const day = Math.floor(wall / DAY);
    if (day !== this.day) {
      this.day = day;
      this.dayText = new Date(day * DAY).toISOString().slice(0, 10);
    }
    const seconds = Math.floor((wall - day * DAY) / 1000);
    return `${this.dayText} ${TWO_DIGITS[Math.floor(seconds / 3600)]}:${TWO_DIGITS[Math.floor(seconds / 60) % 60]}:${TWO_DIGITS[seconds % 60]}`;
  }

  date(wall: number): string {
    this.format(wall);
    return this.dayText;
  }
}
