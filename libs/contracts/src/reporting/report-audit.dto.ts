import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { ROLES, type Role } from '../context';
import { PageQueryDto } from '../page.dto';
import {
  REPORT_FORMATS,
  REPORT_STATUSES,
  REPORT_TYPES,
  type ReportFormat,
  type ReportType,
} from './report.dto';

/*
 * The report audit (issue #15): which reports named a customer (their manifest), and who took
 * each file when. Ids, codes and times only: never a value of the person.
 */

/**
 * A report's status as the audit sees it: the statuses of a report, and `deleted` (the user
 * deleted it after it was finished; its manifest and downloads stay for the audit).
 */
export const AUDITED_REPORT_STATUSES = [...REPORT_STATUSES, 'deleted'] as const;
export type AuditedReportStatus = (typeof AUDITED_REPORT_STATUSES)[number];

export class ReportDownloadView {
  @ApiProperty({ format: 'uuid', description: 'The user who downloaded the file' })
  userId: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ format: 'date-time', description: 'When the download began' }) at: string;
}

export class CustomerReportView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: REPORT_TYPES }) type: ReportType;
  @ApiProperty({ enum: REPORT_FORMATS }) format: ReportFormat;
  @ApiProperty({
    enum: AUDITED_REPORT_STATUSES,
    description: `${AUDITED_REPORT_STATUSES.join(', ')} (deleted: by a user, after it was finished)`,
  })
  status: AuditedReportStatus;
  @ApiProperty({ format: 'uuid', description: 'The user who asked' }) requestedBy: string;
  @ApiProperty({ enum: ROLES }) requestedRole: Role;
  @ApiProperty({ format: 'date-time' }) requestedAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) completedAt: string | null;
  @ApiProperty({
    type: [ReportDownloadView],
    description: "Each download of the report's file, newest first",
  })
  downloads: ReportDownloadView[];
}

export class CustomerReportPage {
  @ApiProperty({ type: [CustomerReportView] }) items: CustomerReportView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

/** The RPC data of `reporting.audit.customer-reports`: the customer, and the page. */
export class CustomerReportsQuery extends PageQueryDto {
  @IsString()
  @Length(1, 100)
  customerId: string;
}
