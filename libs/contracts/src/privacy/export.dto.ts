import { ApiProperty } from '@nestjs/swagger';
import type { AccessEntryView } from './audit.dto';
import type { MergeView } from './merge.dto';

/**
 * The data hand-over (Timma's "Luovuta tiedot", GDPR Art. 15 and 20): a ZIP of everything the
 * system holds about one person, gathered by the privacy service from each service that owns a
 * part of it over RPC (never over events: an event holding the person's data would be kept in
 * outboxes and dead letters).
 */
export const DATA_EXPORT_STATUSES = ['pending', 'running', 'ready', 'failed', 'expired'] as const;
export type DataExportStatus = (typeof DATA_EXPORT_STATUSES)[number];

/** The parts of an export, each from the service that owns it, in the order they are gathered. */
export const DATA_EXPORT_PARTS = ['customers', 'vehicles', 'consents', 'privacy'] as const;
export type DataExportPart = (typeof DATA_EXPORT_PARTS)[number];

/** The `format` of data.json; a change of its shape that a reader would notice changes it. */
export const DATA_EXPORT_FORMAT = 'kanta.data-export/1';

/** How many days a ready file is kept unless PRIVACY_EXPORT_RETENTION_DAYS says otherwise. */
export const DATA_EXPORT_RETENTION_DAYS = 7;

export class DataExportProgressView {
  @ApiProperty({ description: 'Parts gathered so far', minimum: 0 }) done: number;
  @ApiProperty({ description: 'Parts in all (customers, vehicles, consents, privacy)' })
  total: number;
  @ApiProperty({
    enum: DATA_EXPORT_PARTS,
    isArray: true,
    description: 'The parts gathered so far, by the service that owns each',
  })
  parts: DataExportPart[];
}

/** An export as its status page shows it: ids, times, a size and codes, no personal data. */
export class DataExportView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({
    enum: DATA_EXPORT_STATUSES,
    description:
      'pending (waiting for its job), running, ready (the file can be downloaded), failed (see ' +
      'failure; request a new export), expired (the file was deleted after its days)',
  })
  status: DataExportStatus;
  @ApiProperty({ type: DataExportProgressView }) progress: DataExportProgressView;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Why it failed: the part and the problem its service answered (a code)',
  })
  failure: string | null;
  @ApiProperty({ format: 'uuid', description: 'The user who asked' }) requestedBy: string;
  @ApiProperty({ format: 'date-time' }) requestedAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) completedAt: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'When the file is deleted (set when it is ready)',
  })
  expiresAt: string | null;
  @ApiProperty({ nullable: true, type: Number, description: "The ZIP's size in bytes, once ready" })
  sizeBytes: number | null;
}

/** The file of a ready export, over RPC: the gateway answers it as application/zip. */
export interface DataExportFile {
  fileName: string;
  /** The ZIP, base64 (an RPC answer is JSON). */
  contentBase64: string;
}

/** The privacy service's own part: the access audit of the record and the merges it was in. */
export interface PrivacyDataExport {
  accessLog: AccessEntryView[];
  /** The merges the customer was part of, as survivor or duplicate, oldest first. */
  merges: MergeView[];
}
