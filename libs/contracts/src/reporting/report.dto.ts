import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsIn,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
} from 'class-validator';
import { LOCALES, type Locale } from '../context';
import { CustomerSearchCriteriaDto } from '../customers/customer.dto';
import { OUTBOX_MARK_SOURCES, type OutboxMarkSource } from '../outbox-mark';
import { PageQueryDto } from '../page.dto';

/*
 * Report jobs (issue #15): a report is asked for, written by a job of the reporting service into
 * a file, and downloaded when done. The job's row is the truth; its view carries ids, counts,
 * times and codes, never a value of the report.
 */

/** The reports that exist. */
export const REPORT_TYPES = [
  'registry',
  'customers',
  'online-bookings-pending',
  'marketing-audience',
  'visits-summary',
] as const;
export type ReportType = (typeof REPORT_TYPES)[number];

export const REPORT_FORMATS = ['xlsx', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/**
 * queued (waiting for its job), running, done (the file can be downloaded), failed (see error),
 * cancelled (DELETE before it was done), expired (the file was deleted after its days), erased
 * (the file was deleted because a customer in it was erased).
 */
export const REPORT_STATUSES = [
  'queued',
  'running',
  'done',
  'failed',
  'cancelled',
  'expired',
  'erased',
] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** How many days a done report's file is kept: the tenant's `reportRetentionDays` setting. */
export const REPORT_RETENTION_DAYS = { min: 1, max: 365, default: 7 } as const;

export class RequestReportDto {
  @ApiProperty({
    enum: REPORT_TYPES,
    description:
      'registry: every customer (admin) or the worker’s regulars, with vehicles in XLSX. ' +
      'customers (admins): the customers matching the customer search’s criteria — XLSX sheet ' +
      '1 those who have had a (completed) visit, with the last one’s date, plate and station and ' +
      'their visit count; sheet 2 all of them (every match added in createdFrom–createdTo); CSV ' +
      'sheet 1’s rows. online-bookings-pending (admins): customers whose online or marketplace ' +
      'booking is still booked (not completed, cancelled or a no-show), whatever its date, with ' +
      'its date, station and plate.' +
      ' marketing-audience (admins): e-mail addresses and phone numbers by marketing consent, ' +
      'never a blocked customer. visits-summary (admins): per station and period, visits, ' +
      'cancelled, no-shows and the sales of services and products',
  })
  @IsString()
  @IsIn(REPORT_TYPES, { message: `type must be one of ${REPORT_TYPES.join(', ')}` })
  type: ReportType;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'Criteria of the report type. registry: { regularOfUserId?: uuid } — only the customers ' +
      'whose regular staff member that user is; a worker may name only themselves (and gets ' +
      'their own regulars without it). customers: the customer search’s criteria (q, ' +
      'createdFrom, createdTo, includePassive, stationIds, groupIds, sourceId, regularOf, ' +
      'leasingCompany, internal, externalId, marketingConsent), as JSON values (arrays, ' +
      'booleans). online-bookings-pending: { stationIds?: uuid[] } — bookings at these stations. ' +
      'Any other field is 422 naming criteria.<field>. ' +
      'marketing-audience: { consent: both|email|sms|either|' +
      'neither } (required; email and sms mean that one only). visits-summary: { from?: date, ' +
      'to?: date (both or neither; default the previous calendar month in the tenant’s zone), ' +
      'period?: day|week|month (default month), stationIds?: uuid[], currency?: ISO 4217 ' +
      '(default EUR) }.',
  })
  @IsOptional()
  @IsObject()
  criteria?: Record<string, unknown>;

  @ApiProperty({ enum: REPORT_FORMATS })
  @IsString()
  @IsIn(REPORT_FORMATS, { message: `format must be one of ${REPORT_FORMATS.join(', ')}` })
  format: ReportFormat;

  @ApiPropertyOptional({
    enum: LOCALES,
    description: "Language of the headers, sheet names and file name; default the tenant's",
  })
  @IsOptional()
  @IsString()
  @IsIn(LOCALES, { message: `locale must be one of ${LOCALES.join(', ')}` })
  locale?: Locale;
}

/** The registry report's criteria (RequestReportDto.criteria of type registry). */
export class RegistryCriteriaDto {
  @IsOptional()
  @IsString()
  @Length(36, 36, { message: 'regularOfUserId must be a UUID' })
  regularOfUserId?: string;
}

/**
 * The customers report's criteria (RequestReportDto.criteria of type customers): exactly the
 * customer search's, matched by the customers service (`customers.reportable.matches`).
 */
export class CustomersReportCriteriaDto extends CustomerSearchCriteriaDto {}

/** The online-bookings-pending report's criteria: only the stations, the period is ignored. */
export class OnlineBookingsPendingCriteriaDto {
  @IsOptional()
  @IsArray({ message: 'stationIds must be a list of station ids' })
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true, message: 'stationIds must be station ids (UUIDs)' })
  stationIds?: string[];
}

/**
 * Whose marketing consents the audience takes: both e-mail and SMS marketing granted, e-mail
 * only, SMS only, either (at least one), or neither granted.
 */
export const AUDIENCE_CONSENTS = ['both', 'email', 'sms', 'either', 'neither'] as const;
export type AudienceConsent = (typeof AUDIENCE_CONSENTS)[number];

/** The marketing-audience report's criteria. */
export class MarketingAudienceCriteriaDto {
  @IsIn(AUDIENCE_CONSENTS, { message: `consent must be one of ${AUDIENCE_CONSENTS.join(', ')}` })
  @IsDefined({ message: 'consent is required' })
  consent: AudienceConsent;
}

export const SUMMARY_PERIODS = ['day', 'week', 'month'] as const;
export type SummaryPeriod = (typeof SUMMARY_PERIODS)[number];

const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The visits-summary report's criteria; dates are calendar days of the tenant's time zone. */
export class VisitsSummaryCriteriaDto {
  @IsOptional()
  @Matches(CALENDAR_DATE, { message: 'from must be a date such as 2026-11-01' })
  @IsISO8601({ strict: true }, { message: 'from must be a real date' })
  from?: string;

  @IsOptional()
  @Matches(CALENDAR_DATE, { message: 'to must be a date such as 2026-11-30' })
  @IsISO8601({ strict: true }, { message: 'to must be a real date' })
  to?: string;

  @IsOptional()
  @IsIn(SUMMARY_PERIODS, { message: `period must be one of ${SUMMARY_PERIODS.join(', ')}` })
  period?: SummaryPeriod;

  @IsOptional()
  @IsArray({ message: 'stationIds must be a list of station ids' })
  @ArrayMaxSize(200)
  @IsUUID('all', { each: true, message: 'stationIds must be station ids (UUIDs)' })
  stationIds?: string[];

  @IsOptional()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as EUR' })
  currency?: string;
}

export class ReportProgressView {
  @ApiProperty({ description: 'Rows written so far', minimum: 0 }) rows: number;
  @ApiProperty({ description: 'Percent of the rows to write, 0–100', minimum: 0, maximum: 100 })
  percent: number;
}

/**
 * Why a source was not caught up with: it did not answer the request for a mark in time
 * (`no-answer`), or its mark had not been applied when the wait ended (`not-arrived`).
 */
export const CATCH_UP_SHORTFALLS = ['no-answer', 'not-arrived'] as const;
export type CatchUpShortfall = (typeof CATCH_UP_SHORTFALLS)[number];

/** A source whose events committed before the report started may be missing from it. */
export class ReportSourceBehindView {
  @ApiProperty({ enum: OUTBOX_MARK_SOURCES, description: 'The service whose events feed it' })
  source: OutboxMarkSource;
  @ApiProperty({ enum: CATCH_UP_SHORTFALLS }) reason: CatchUpShortfall;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description:
      "The time of the source's newest event applied for the tenant when the report was " +
      'written: its events after it may be missing (null: none applied yet)',
  })
  appliedUntil: string | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description:
      "Events in the source's outbox not yet sent when the mark was written (null: no answer)",
  })
  pendingAtMark: number | null;
}

/**
 * Whether the report waited until the read model held everything committed before it started
 * (services/reporting/README.md, "Catching up").
 */
export class ReportCatchUpView {
  @ApiProperty({
    description:
      'True when every source had delivered all it committed before the report started ' +
      "(each one's mark was applied) before it was written",
  })
  caughtUp: boolean;
  @ApiProperty({ description: 'How long the report waited, in milliseconds', minimum: 0 })
  waitedMs: number;
  @ApiProperty({ type: [ReportSourceBehindView], description: 'Empty when caught up' })
  behind: ReportSourceBehindView[];
}

export class ReportView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: REPORT_TYPES }) type: ReportType;
  @ApiProperty({ enum: REPORT_FORMATS }) format: ReportFormat;
  @ApiProperty({ enum: LOCALES }) locale: Locale;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'As requested' })
  criteria: Record<string, unknown>;
  @ApiProperty({ enum: REPORT_STATUSES, description: REPORT_STATUSES.join(', ') })
  status: ReportStatus;
  @ApiProperty({ type: ReportProgressView }) progress: ReportProgressView;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Rows in the report (customers and vehicles), once done',
  })
  rowCount: number | null;
  @ApiProperty({ nullable: true, type: String, description: 'Why it failed (a code)' })
  error: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description:
      'How fresh its data is: the time of the newest event the read model had applied for the ' +
      'tenant when the report was written, after it caught up (null before it runs, or when ' +
      'nothing was applied yet)',
  })
  freshness: string | null;
  @ApiProperty({
    nullable: true,
    type: ReportCatchUpView,
    description:
      'Whether it caught up with its sources before it was written (null before it runs)',
  })
  catchUp: ReportCatchUpView | null;
  @ApiProperty({ format: 'uuid', description: 'The user who asked' }) requestedBy: string;
  @ApiProperty({ format: 'date-time' }) requestedAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) completedAt: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'When the file is deleted (set when done)',
  })
  expiresAt: string | null;
  @ApiProperty({ nullable: true, type: Number, description: "The file's size in bytes, once done" })
  sizeBytes: number | null;
}

export class ReportPage {
  @ApiProperty({ type: [ReportView] }) items: ReportView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class ListReportsQueryDto extends PageQueryDto {}

/** One chunk of a done report's file over RPC: the gateway streams the chunks in turn. */
export class ReportFileChunkQuery {
  @IsString()
  @Length(1, 100)
  id: string;

  @IsOptional()
  @IsString()
  @Length(1, 20)
  offset?: string;
}

export interface ReportFileChunk {
  fileName: string;
  contentType: string;
  sizeBytes: number;
  /** The bytes from the asked offset, base64 (an RPC answer is JSON). */
  chunkBase64: string;
  /** Where the next chunk starts; null after the last. */
  nextOffset: string | null;
}
