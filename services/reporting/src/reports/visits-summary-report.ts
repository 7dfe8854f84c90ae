import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  VisitsSummaryCriteriaDto,
  type CallerContext,
  type FieldError,
  type SummaryPeriod,
} from '@kanta/contracts';
import type { ReportColumn } from '@kanta/reports';
import type { Writable } from 'node:stream';
import {
  checkedCriteria,
  writeInPages,
  writeTable,
  type BatchWritten,
  type ReportDefinition,
} from './report-definition';
import type { ReportJobRecord } from './report-jobs.repository';
import { SUMMARY_HEADERS, SUMMARY_SHEETS } from './report-labels';
import { stationLabel } from './station-names';

/** The summary's criteria as stored: the dates always there (the default filled in). */
interface SummaryCriteria {
  from: string;
  to: string;
  period: SummaryPeriod;
  stationIds: string[] | null;
  currency: string;
}

interface SummaryRow {
  station_id: string;
  /** Its name, or its id while its name is not known here. */
  station: string;
  period: string;
  visits: number;
  completed: number;
  cancelled: number;
  no_shows: number;
  sales: number;
  services_minor: string | null;
  products_minor: string | null;
  total_minor: string | null;
}

/**
 * The summary's groups ($1 tenant, $2 from, $3 to (calendar days, inclusive), $4 time zone,
 * $5 period, $6 stations or null, $7 currency): visits by when they are scheduled, sales by when
 * they were sold, each in the period (day, ISO week from Monday, month) of the tenant's zone
 * that holds it; a station and period with visits or sales is a row.
 */
const GROUPS = `
  WITH bounds AS (
    SELECT $2::date::timestamp AT TIME ZONE $4 AS lo,
           ($3::date + 1)::timestamp AT TIME ZONE $4 AS hi
  ), v AS (
    SELECT v.station_id, to_char(date_trunc($5, v.scheduled_at AT TIME ZONE $4), 'YYYY-MM-DD')
             AS period,
           count(*)::int AS visits,
           (count(*) FILTER (WHERE v.status = 'completed'))::int AS completed,
           (count(*) FILTER (WHERE v.status = 'cancelled'))::int AS cancelled,
           (count(*) FILTER (WHERE v.status = 'no_show'))::int AS no_shows
      FROM reporting.visits v, bounds b
     WHERE v.tenant_id = $1 AND v.scheduled_at >= b.lo AND v.scheduled_at < b.hi
       AND ($6::uuid[] IS NULL OR v.station_id = ANY ($6::uuid[]))
     GROUP BY 1, 2
  ), s AS (
    SELECT s.station_id, to_char(date_trunc($5, s.sold_at AT TIME ZONE $4), 'YYYY-MM-DD')
             AS period,
           count(*)::int AS sales, sum(s.services_minor) AS services_minor,
           sum(s.products_minor) AS products_minor, sum(s.total_minor) AS total_minor
      FROM reporting.sales s, bounds b
     WHERE s.tenant_id = $1 AND s.sold_at >= b.lo AND s.sold_at < b.hi AND s.currency = $7
       AND ($6::uuid[] IS NULL OR s.station_id = ANY ($6::uuid[]))
     GROUP BY 1, 2
  ), g AS (
    SELECT coalesce(v.station_id, s.station_id) AS station_id,
           coalesce(v.period, s.period) AS period,
           coalesce(v.visits, 0) AS visits, coalesce(v.completed, 0) AS completed,
           coalesce(v.cancelled, 0) AS cancelled, coalesce(v.no_shows, 0) AS no_shows,
           coalesce(s.sales, 0) AS sales, s.services_minor, s.products_minor, s.total_minor
      FROM v FULL JOIN s ON s.station_id = v.station_id AND s.period = v.period
  )`;

/**
 * Timma's card summary for the whole business: per station and period (day, week or month)
 * the visits scheduled in it, how many were completed, cancelled and no-shows, the sales and
 * their sums of services, of products and in all, in one currency (EUR unless asked). Stations
 * are by id: no event names them. A sale recorded before sales carried their split has its total
 * only (services and products then add up to less than the total). Counts and sums name no
 * customer: the manifest stays empty, an erasure leaves the file.
 */
@Injectable()
export class VisitsSummaryReport implements ReportDefinition {
  readonly type = 'visits-summary';
  readonly forWorkers = false;

  constructor(private readonly dataSource: DataSource) {}

  /**
   * From and to: both or neither (the previous calendar month in the tenant's time zone), to not
   * before from. Period month unless asked; every station unless named.
   */
  async criteria(
    context: CallerContext,
    raw: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const checked = await checkedCriteria(VisitsSummaryCriteriaDto, raw, rangeErrors);
    const month = previousMonth(context.tenant?.timeZone ?? 'UTC', new Date());
    const criteria: SummaryCriteria = {
      from: checked.from ?? month.from,
      to: checked.to ?? month.to,
      period: checked.period ?? 'month',
      stationIds: checked.stationIds ? [...new Set(checked.stationIds)] : null,
      currency: checked.currency ?? 'EUR',
    };
    return { ...criteria };
  }

  async count(job: ReportJobRecord): Promise<number> {
    const [groups] = await this.dataSource.query<{ count: number }[]>(
      `${GROUPS} SELECT count(*)::int AS count FROM g`,
      parameters(job),
    );
    return groups.count;
  }

  async write(job: ReportJobRecord, out: Writable, written: BatchWritten): Promise<number> {
    const { locale, timeZone } = job;
    const { currency } = criteriaOf(job);
    const h = (key: keyof typeof SUMMARY_HEADERS) => SUMMARY_HEADERS[key][locale];
    const columns: ReportColumn[] = [
      { header: h('station'), type: 'raw', width: 38 },
      { header: h('period'), type: 'date', width: 16 },
      { header: h('visits'), type: 'number' },
      { header: h('completed'), type: 'number' },
      { header: h('cancelled'), type: 'number' },
      { header: h('noShows'), type: 'number' },
      { header: h('sales'), type: 'number' },
      { header: h('services'), type: 'money' },
      { header: h('products'), type: 'money' },
      { header: h('total'), type: 'money', width: 16 },
    ];
    const major = majorUnits(currency);
    const cells = (row: SummaryRow) => [
      row.station,
      row.period,
      row.visits,
      row.completed,
      row.cancelled,
      row.no_shows,
      row.sales,
      major(row.services_minor),
      major(row.products_minor),
      major(row.total_minor),
    ];
    return writeTable(
      job,
      out,
      { locale, timeZone, currency },
      SUMMARY_SHEETS.summary[locale],
      columns,
      (add) => this.groups(job, written, (row) => add(cells(row))),
    );
  }

  private groups(
    job: ReportJobRecord,
    written: BatchWritten,
    add: (row: SummaryRow) => Promise<void>,
  ): Promise<number> {
    return writeInPages(
      (after: [string, string] | null, limit) =>
        this.dataSource.query<SummaryRow[]>(
          `${GROUPS}
           SELECT g.*, ${stationLabel('$1', 'g.station_id')} AS station FROM g
            WHERE $8::uuid IS NULL OR (g.station_id, g.period) > ($8::uuid, $9::text)
            ORDER BY g.station_id, g.period LIMIT $10`,
          [...parameters(job), after?.[0] ?? null, after?.[1] ?? null, limit],
        ),
      (row): [string, string] => [row.station_id, row.period],
      () => [],
      add,
      0,
      written,
    );
  }
}

function criteriaOf(job: ReportJobRecord): SummaryCriteria {
  return job.criteria as unknown as SummaryCriteria;
}

function parameters(job: ReportJobRecord): unknown[] {
  const c = criteriaOf(job);
  return [job.tenantId, c.from, c.to, job.timeZone, c.period, c.stationIds, c.currency];
}

const CALENDAR_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** From and to come together, and to is not before from. */
function rangeErrors(criteria: VisitsSummaryCriteriaDto): FieldError[] {
  const { from, to } = criteria;
  if ((from === undefined) !== (to === undefined)) {
    const missing = from === undefined ? 'from' : 'to';
    return [
      {
        field: missing,
        reason: 'required',
        message: `${missing} is required with ${missing === 'from' ? 'to' : 'from'}: give both or neither`,
      },
    ];
  }
  const dates = [from, to].every((date) => date !== undefined && CALENDAR_DAY.test(date));
  if (dates && to! < from!) {
    return [{ field: 'to', reason: 'before_from', message: 'to must not be before from' }];
  }
  return [];
}

/** The first and last day of the calendar month before `now`'s, in the time zone. */
export function previousMonth(timeZone: string, now: Date): { from: string; to: string } {
  const [year, month] = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
  })
    .format(now)
    .split('-')
    .map(Number);
  const first = new Date(Date.UTC(year, month - 2, 1));
  const last = new Date(Date.UTC(year, month - 1, 0));
  return { from: first.toISOString().slice(0, 10), to: last.toISOString().slice(0, 10) };
}

/** Minor units as the currency's major units (cents to euros); null stays empty. */
function majorUnits(currency: string): (minor: string | null) => number | null {
  const digits =
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits ?? 2;
  return (minor) => (minor === null ? null : Number(minor) / 10 ** digits);
}
