import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OnlineBookingsPendingCriteriaDto, type CallerContext } from '@kanta/contracts';
import { CsvWriter, XlsxWriter, type ReportColumn } from '@kanta/reports';
import type { Writable } from 'node:stream';
import { LIVE, contactColumns } from './customers-report';
import { NAME } from './registry-report';
import {
  checkedCriteria,
  writeInPages,
  type BatchWritten,
  type ReportDefinition,
} from './report-definition';
import type { ReportJobRecord } from './report-jobs.repository';
import { ONLINE_BOOKINGS_SHEET, REGISTRY_HEADERS, VISIT_HEADERS } from './report-labels';
import { reportFileFormat } from './report-about';
import { stationLabel } from './station-names';

interface BookingRow {
  visit_id: string;
  customer_id: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  customer_number: string | null;
  scheduled_at: Date;
  /** The keyset's date as Postgres prints it: a Date would lose its microseconds. */
  scheduled_key: string;
  /** Its name, or its id while its name is not known here. */
  station: string;
  registration: string | null;
}

/**
 * The pending online bookings: booked (not completed, cancelled or a no-show) through the online
 * booking or a marketplace — the partner API's online channels — whatever their date. The
 * partial index visits_pending_online_idx is over the same condition.
 */
const PENDING_ONLINE = `v.tenant_id = $1 AND v.status = 'booked'
  AND v.channel IN ('online_booking', 'marketplace')
  AND ($2::uuid[] IS NULL OR v.station_id = ANY($2::uuid[]))`;

/**
 * Muster's "Lataa varanneet -raportti": the customers with an online booking whose visit is
 * still pending, whatever its date, with the booking's date (in the tenant's time zone), station
 * and plate, one row per booking in date order. Criteria: only the stations.
 */
@Injectable()
export class OnlineBookingsPendingReport implements ReportDefinition {
  readonly type = 'online-bookings-pending';
  readonly forWorkers = false;

  constructor(private readonly dataSource: DataSource) {}

  async criteria(
    _context: CallerContext,
    raw: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    return { ...(await checkedCriteria(OnlineBookingsPendingCriteriaDto, raw)) };
  }

  async count(job: ReportJobRecord): Promise<number> {
    const [{ count }] = await this.dataSource.query<{ count: number }[]>(
      `SELECT count(*)::int AS count
         FROM reporting.visits v
         JOIN reporting.customers c ON c.tenant_id = v.tenant_id AND c.customer_id = v.customer_id
        WHERE ${PENDING_ONLINE} AND ${LIVE}`,
      [job.tenantId, stationsOf(job)],
    );
    return count;
  }

  async write(job: ReportJobRecord, out: Writable, written: BatchWritten): Promise<number> {
    const { locale } = job;
    const columns: ReportColumn[] = [
      ...contactColumns(locale),
      { header: VISIT_HEADERS.bookingDate[locale], type: 'date' },
      { header: VISIT_HEADERS.station[locale], type: 'raw', width: 38 },
      { header: REGISTRY_HEADERS.plate[locale], type: 'text', width: 14 },
    ];
    const cells = (row: BookingRow) => [
      row.name,
      row.phone,
      row.email,
      row.customer_number,
      row.scheduled_at,
      row.station,
      row.registration,
    ];
    const stations = stationsOf(job);
    const pages = (add: (row: BookingRow) => Promise<void>) =>
      writeInPages(
        (after: [string, string] | null, limit) =>
          this.dataSource.query<BookingRow[]>(
            `SELECT v.visit_id, c.customer_id, ${NAME} AS name, c.phone, c.email,
                    c.customer_number, v.scheduled_at, v.scheduled_at::text AS scheduled_key,
                    ${stationLabel('$1', 'v.station_id')} AS station, h.registration
               FROM reporting.visits v
               JOIN reporting.customers c
                 ON c.tenant_id = v.tenant_id AND c.customer_id = v.customer_id
               LEFT JOIN reporting.vehicles h
                 ON h.tenant_id = v.tenant_id AND h.vehicle_id = v.vehicle_id
              WHERE ${PENDING_ONLINE} AND ${LIVE}
                AND ($3::timestamptz IS NULL OR (v.scheduled_at, v.visit_id) > ($3::timestamptz, $4::uuid))
              ORDER BY v.scheduled_at, v.visit_id LIMIT $5`,
            [job.tenantId, stations, after?.[0] ?? null, after?.[1] ?? null, limit],
          ),
        (row): [string, string] => [row.scheduled_key, row.visit_id],
        (batch) => batch.map((row) => row.customer_id),
        add,
        0,
        written,
      );
    if (job.format === 'csv') {
      const csv = new CsvWriter(out, columns, reportFileFormat(job));
      const rows = await pages((row) => csv.addRow(cells(row)));
      await csv.finish();
      return rows;
    }
    const book = new XlsxWriter(out, reportFileFormat(job));
    const sheet = book.addSheet(ONLINE_BOOKINGS_SHEET[locale], columns);
    const rows = await pages((row) => sheet.addRow(cells(row)));
    await book.finish();
    return rows;
  }
}

function stationsOf(job: ReportJobRecord): string[] | null {
  return (job.criteria.stationIds as string[] | undefined) ?? null;
}
