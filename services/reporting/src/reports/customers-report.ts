import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  CUSTOMERS,
  CustomersReportCriteriaDto,
  REPORTABLE_MATCHES_PAGE_MAX,
  type CallerContext,
  type Locale,
  type ReportablePage,
} from '@kanta/contracts';
import { CsvWriter, XlsxWriter, type ReportColumn } from '@kanta/reports';
import { RpcClient } from '@kanta/platform';
import type { Writable } from 'node:stream';
import { REBUILD_OPTIONS, type RebuildOptions } from '../rebuild/read-model-rebuild';
import {
  checkedCriteria,
  writeInPages,
  type BatchWritten,
  type ReportDefinition,
} from './report-definition';
import type { ReportJobRecord } from './report-jobs.repository';
import { NAME } from './registry-report';
import { CUSTOMERS_REPORT_SHEETS, REGISTRY_HEADERS, VISIT_HEADERS } from './report-labels';
import { reportFileFormat } from './report-about';
import { stationLabel } from './station-names';

interface VisitedRow {
  customer_id: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  customer_number: string | null;
  last_visit_at: Date;
  last_visit_plate: string | null;
  /** The last visit's station: its name, or its id while its name is not known here. */
  last_visit_station: string;
  visit_count: number;
}

interface AddedRow {
  customer_id: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  customer_number: string | null;
  created_at: Date | null;
}

/** One page of a report's matches into report_matches: $1 tenant, $2 report, $3 the ids. */
export const KEEP_MATCHES = `INSERT INTO reporting.report_matches (tenant_id, report_id, customer_id)
  SELECT $1, $2, unnest($3::uuid[]) ON CONFLICT DO NOTHING`;

/** A card the reports may print: not erased, not merged into another. */
export const LIVE = `c.status NOT IN ('erased', 'merged')`;

/**
 * Muster's "Lataa raportti": the customers matching the customer search's criteria. Sheet 1
 * those who have had a visit (customer_visit_facts: completed visits, the last one's date, plate
 * and station), sheet 2 all of them — every match added in the period the criteria name. CSV is
 * sheet 1's rows.
 *
 * Which customers match is the customers service's to say: the search's rules (words over names,
 * phones, e-mails, numbers, external ids, plates and VINs; source; external ids) live there
 * alone, and the read model lacks their inputs. So the run first takes the matches' ids from it
 * (`customers.reportable.matches`, keyset pages of REPORTABLE_MATCHES_PAGE_MAX) into
 * `report_matches`, then writes both sheets from the read model in keyset pages of those ids.
 */
@Injectable()
export class CustomersReport implements ReportDefinition, BeforeApplicationShutdown {
  readonly type = 'customers';
  readonly forWorkers = false;
  private readonly customers: RpcClient;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(REBUILD_OPTIONS) options: RebuildOptions,
  ) {
    this.customers = new RpcClient({
      service: 'customers',
      amqpUrl: options.amqpUrl,
      queue: options.queues.customers,
      timeoutMs: options.timeoutMs,
    });
  }

  /** The search's criteria, checked by its own DTO; `regularOf: me` becomes the caller's id. */
  async criteria(
    context: CallerContext,
    raw: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const criteria = await checkedCriteria(CustomersReportCriteriaDto, raw);
    return {
      ...criteria,
      ...(criteria.regularOf === 'me' ? { regularOf: context.userId } : {}),
    };
  }

  /** Takes the matches from the customers service, then counts the rows of the file. */
  async count(job: ReportJobRecord): Promise<number> {
    try {
      await this.takeMatches(job);
    } catch (error) {
      await this.forgetMatches(job);
      throw error;
    }
    const [counts] = await this.dataSource.query<{ visited: number; added: number }[]>(
      `SELECT count(*)::int AS added,
              count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM reporting.customer_visit_facts f
                 WHERE f.tenant_id = $1 AND f.customer_id = c.customer_id))::int AS visited
         FROM reporting.report_matches m
         JOIN reporting.customers c ON c.tenant_id = m.tenant_id AND c.customer_id = m.customer_id
        WHERE m.tenant_id = $1 AND m.report_id = $2 AND ${LIVE}`,
      [job.tenantId, job.id],
    );
    return job.format === 'csv' ? counts.visited : counts.visited + counts.added;
  }

  async write(job: ReportJobRecord, out: Writable, written: BatchWritten): Promise<number> {
    try {
      return await this.writeFile(job, out, written);
    } finally {
      await this.forgetMatches(job);
    }
  }

  private async forgetMatches(job: ReportJobRecord): Promise<void> {
    await this.dataSource.query(
      'DELETE FROM reporting.report_matches WHERE tenant_id = $1 AND report_id = $2',
      [job.tenantId, job.id],
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.customers.close();
  }

  private async writeFile(job: ReportJobRecord, out: Writable, written: BatchWritten) {
    const { locale } = job;
    const h = (key: keyof typeof REGISTRY_HEADERS) => REGISTRY_HEADERS[key][locale];
    const v = (key: keyof typeof VISIT_HEADERS) => VISIT_HEADERS[key][locale];
    const contact = contactColumns(locale);
    const visitedColumns: ReportColumn[] = [
      ...contact,
      { header: v('lastVisit'), type: 'date' },
      { header: h('plate'), type: 'text', width: 14 },
      { header: v('station'), type: 'raw', width: 38 },
      { header: v('visitCount'), type: 'number' },
    ];
    const visitedCells = (row: VisitedRow) => [
      row.name,
      row.phone,
      row.email,
      row.customer_number,
      row.last_visit_at,
      row.last_visit_plate,
      row.last_visit_station,
      row.visit_count,
    ];
    if (job.format === 'csv') {
      const csv = new CsvWriter(out, visitedColumns, reportFileFormat(job));
      const rows = await this.visited(job, 0, written, (row) => csv.addRow(visitedCells(row)));
      await csv.finish();
      return rows;
    }
    const book = new XlsxWriter(out, reportFileFormat(job));
    const visited = book.addSheet(CUSTOMERS_REPORT_SHEETS.visited[locale], visitedColumns);
    let rows = await this.visited(job, 0, written, (row) => visited.addRow(visitedCells(row)));
    const added = book.addSheet(CUSTOMERS_REPORT_SHEETS.added[locale], [
      ...contact,
      { header: h('createdAt'), type: 'date' },
    ]);
    rows = await this.added(job, rows, written, (row) =>
      added.addRow([row.name, row.phone, row.email, row.customer_number, row.created_at]),
    );
    await book.finish();
    return rows;
  }

  /**
   * The matches' ids from the customers service into report_matches, page by page. A run
   * started again (its process ended) takes them anew; what runs that ended left of other
   * reports goes too.
   */
  private async takeMatches(job: ReportJobRecord): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM reporting.report_matches m
        WHERE m.tenant_id = $1
          AND (m.report_id = $2 OR NOT EXISTS (
                SELECT 1 FROM reporting.report_jobs j
                 WHERE j.tenant_id = m.tenant_id AND j.id = m.report_id AND j.status = 'running'))`,
      [job.tenantId, job.id],
    );
    const context = callerOf(job);
    await pageMatches(
      (cursor) =>
        this.customers.call(CUSTOMERS.reportableMatches, context, {
          criteria: job.criteria,
          limit: REPORTABLE_MATCHES_PAGE_MAX,
          ...(cursor ? { cursor } : {}),
        }),
      (ids) => this.dataSource.query(KEEP_MATCHES, [job.tenantId, job.id, ids]),
    );
  }

  /** Sheet 1: the matches with a completed visit, with its facts. */
  private visited(
    job: ReportJobRecord,
    rowsBefore: number,
    written: BatchWritten,
    add: (row: VisitedRow) => Promise<void>,
  ): Promise<number> {
    return this.inPagesOfMatches(job, rowsBefore, written, add, (ids) =>
      this.dataSource.query<VisitedRow[]>(
        `SELECT c.customer_id, ${NAME} AS name, c.phone, c.email, c.customer_number,
                f.last_visit_at, f.last_visit_plate,
                ${stationLabel('$1', 'f.last_visit_station_id')} AS last_visit_station,
                f.visit_count::int AS visit_count
           FROM reporting.customers c
           JOIN reporting.customer_visit_facts f
             ON f.tenant_id = c.tenant_id AND f.customer_id = c.customer_id
          WHERE c.tenant_id = $1 AND c.customer_id = ANY($2::uuid[]) AND ${LIVE}
            -- said of the view too, so that it aggregates these customers' visits only
            AND f.tenant_id = $1 AND f.customer_id = ANY($2::uuid[])
          ORDER BY c.customer_id`,
        [job.tenantId, ids],
      ),
    );
  }

  /** Sheet 2: every match (added in the criteria's period). */
  private added(
    job: ReportJobRecord,
    rowsBefore: number,
    written: BatchWritten,
    add: (row: AddedRow) => Promise<void>,
  ): Promise<number> {
    return this.inPagesOfMatches(job, rowsBefore, written, add, (ids) =>
      this.dataSource.query<AddedRow[]>(
        `SELECT c.customer_id, ${NAME} AS name, c.phone, c.email, c.customer_number,
                c.created_at
           FROM reporting.customers c
          WHERE c.tenant_id = $1 AND c.customer_id = ANY($2::uuid[]) AND ${LIVE}
          ORDER BY c.customer_id`,
        [job.tenantId, ids],
      ),
    );
  }

  /**
   * Rows of the matches in keyset pages by customer id: each page reads the next ids of
   * report_matches and their rows (`read`, in id order), more ids while a page is not full (sheet
   * 1 leaves out the matches without a visit), and answers up to `limit` rows; the next starts
   * after its last row's customer.
   */
  private inPagesOfMatches<Row extends { customer_id: string }>(
    job: ReportJobRecord,
    rowsBefore: number,
    written: BatchWritten,
    add: (row: Row) => Promise<void>,
    read: (ids: string[]) => Promise<Row[]>,
  ): Promise<number> {
    const page = async (after: string | null, limit: number): Promise<Row[]> => {
      const rows: Row[] = [];
      let from = after;
      while (rows.length < limit) {
        const ids = await nextMatchIds(this.dataSource, job, from, limit);
        if (ids.length > 0) rows.push(...(await read(ids)));
        if (ids.length < limit) break;
        from = ids[ids.length - 1];
      }
      return rows.slice(0, limit);
    };
    return writeInPages(
      page,
      (row) => row.customer_id,
      (batch) => batch.map((row) => row.customer_id),
      add,
      rowsBefore,
      written,
    );
  }
}

/**
 * The next `limit` ids of a report's matches after `after`, in id order, read along
 * report_matches' primary key. Sorting is switched off for the statement: the table is filled
 * and emptied by each run, so its statistics (which the runtime role cannot refresh: ANALYZE is
 * its owner's) describe some other moment, and planned from them the page was a bitmap scan of
 * every match after `after` and a sort of them, each page — quadratic in the matches (at
 * 1,000,000, minutes of one core; docs/benchmarks.md, "Customers report, whole").
 */
export async function nextMatchIds(
  dataSource: DataSource,
  job: Pick<ReportJobRecord, 'tenantId' | 'id'>,
  after: string | null,
  limit: number,
): Promise<string[]> {
  const rows = await dataSource.transaction(async (manager) => {
    await manager.query('SET LOCAL enable_sort = off');
    return manager.query<{ customer_id: string }[]>(
      `SELECT customer_id FROM reporting.report_matches
        WHERE tenant_id = $1 AND report_id = $2 AND ($3::uuid IS NULL OR customer_id > $3)
        ORDER BY customer_id LIMIT $4`,
      [job.tenantId, job.id, after, limit],
    );
  });
  return rows.map((row) => row.customer_id);
}

/**
 * Every page of a search's matches (`ask(cursor)`), each page's ids kept by `keep` while the next
 * page is asked for (the customers service's query and the inserts overlap); answers the ids.
 */
export async function pageMatches(
  ask: (cursor: string | undefined) => Promise<ReportablePage<string>>,
  keep: (ids: string[]) => Promise<unknown>,
): Promise<number> {
  let keeping: Promise<unknown> = Promise.resolve();
  let cursor: string | undefined;
  let ids = 0;
  do {
    // Both settled before going on, failed or not: nothing is still inserting once this throws.
    const [asked, kept] = await Promise.allSettled([ask(cursor), keeping]);
    if (kept.status === 'rejected') throw kept.reason;
    if (asked.status === 'rejected') throw asked.reason;
    const page = asked.value;
    keeping = keep(page.items);
    ids += page.items.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  await keeping;
  return ids;
}

/** Name, phone, e-mail and customer number: the columns the customer and booking reports open with. */
export function contactColumns(locale: Locale): ReportColumn[] {
  return [
    { header: REGISTRY_HEADERS.name[locale], type: 'text', width: 28 },
    { header: REGISTRY_HEADERS.phone[locale], type: 'phone' },
    { header: VISIT_HEADERS.email[locale], type: 'text', width: 28 },
    { header: REGISTRY_HEADERS.number[locale], type: 'raw', width: 14 },
  ];
}

/**
 * Who the run asks the customers service as: the admin who asked for the report, in their
 * tenant (the criteria's `regularOf: me` was made their id when the report was asked for). The
 * tenant's country is a placeholder the matches do not read.
 */
function callerOf(job: ReportJobRecord): CallerContext {
  return {
    tenant: { id: job.tenantId, country: 'FI', locale: job.locale, timeZone: job.timeZone },
    userId: job.requestedBy,
    role: 'admin',
    stationIds: [],
    currentStationId: null,
    correlationId: job.id,
  };
}
