import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { LOCALES, type Locale } from '../context';
import { PageQueryDto } from '../page.dto';
import { FieldError, ProblemDetails } from '../problem';
import { DUPLICATE_REASONS, type DuplicateReason } from './duplicates.dto';

/*
 * Imports (issue #16, docs/import.md): an admin uploads a customer register, a dry run plans every
 * row, a commit applies the plan. The import's row is the truth; its view carries counts, codes
 * and the file's name, never a value of the file. A planned row's view carries its outcome, the
 * customer it concerns and its errors (field, reason, message), never the cells.
 */

/**
 * uploading (chunks arriving), planning (the dry run reads the file), planned (every row has an
 * outcome: commit or delete it), committing, committed, cancelled, failed (see problem).
 */
export const IMPORT_STATUSES = [
  'uploading',
  'planning',
  'planned',
  'committing',
  'committed',
  'cancelled',
  'failed',
] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** What the dry run plans for a row (docs/import.md, "The dry run"). */
export const IMPORT_OUTCOMES = [
  'create',
  'update',
  'duplicate',
  'duplicate_in_file',
  'error',
] as const;
export type ImportOutcome = (typeof IMPORT_OUTCOMES)[number];

/** What the commit did with a row. */
export const IMPORT_RESULTS = ['created', 'updated', 'merged', 'skipped', 'failed'] as const;
export type ImportResult = (typeof IMPORT_RESULTS)[number];

/** What the commit does with the rows planned as duplicates of existing customers. */
export const IMPORT_DUPLICATE_POLICIES = ['skip', 'create', 'merge'] as const;
export type ImportDuplicatePolicy = (typeof IMPORT_DUPLICATE_POLICIES)[number];

export const IMPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** The encodings a CSV may be read in; without one it is detected. */
export const IMPORT_ENCODINGS = [
  'utf-8',
  'windows-1250',
  'windows-1252',
  'iso-8859-2',
  'iso-8859-15',
] as const;
export type ImportEncoding = (typeof IMPORT_ENCODINGS)[number];

/** The external id system an import's `externalId` column is read under, when none is named. */
export const DEFAULT_IMPORT_EXTERNAL_ID_SYSTEM = 'import';

/** The most bytes of an upload chunk over RPC (before base64). */
export const IMPORT_CHUNK_MAX_BYTES = 1024 * 1024;

/** The options of an upload: multipart fields sent before the file. */
export class ImportOptionsDto {
  @ApiPropertyOptional({
    enum: IMPORT_ENCODINGS,
    description: "A CSV's encoding; without it detected (UTF-8, else Windows-1250 or -1252)",
  })
  @IsOptional()
  @IsString()
  @IsIn(IMPORT_ENCODINGS, { message: `encoding must be one of ${IMPORT_ENCODINGS.join(', ')}` })
  encoding?: ImportEncoding;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', nullable: true },
    description:
      'JSON: header → field (customerNumber, externalId, kind, firstName, lastName, fullName, ' +
      'companyName, businessId, phone, email, street, postalCode, city, country, birthday, notes, ' +
      'emailMarketing, smsMarketing, createdAt, plate, vin, make, model, year), or null to ignore ' +
      'the column; overrides the recognised headers',
  })
  @IsOptional()
  @IsObject({ message: 'mapping must be a JSON object of header → field' })
  mapping?: Record<string, string | null>;

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'The consent text the consent columns were given under; without it they are recorded as ' +
      'given under an unknown text (hence outdated)',
  })
  @IsOptional()
  @IsUUID('all', { message: 'consentTextId must be a consent text id (UUID)' })
  consentTextId?: string;

  @ApiPropertyOptional({
    default: DEFAULT_IMPORT_EXTERNAL_ID_SYSTEM,
    description: 'The system the externalId column names customers in',
  })
  @IsOptional()
  @IsString()
  @Length(1, 50, { message: 'externalIdSystem must be 1-50 characters' })
  @Matches(/^[a-z0-9][a-z0-9._-]*$/, {
    message: 'externalIdSystem must be lower-case letters, digits, dots, dashes or underscores',
  })
  externalIdSystem?: string;
}

export class ImportWarningView {
  @ApiProperty({ description: 'What is wrong: `unknown-column`, `unmapped-column`, …' })
  code: string;
  @ApiPropertyOptional({ description: 'The header concerned' }) column?: string;
  @ApiProperty({ description: 'A sentence a person can read' }) message: string;
}

export class ImportProgressView {
  @ApiProperty({ minimum: 0, description: 'Rows read so far' }) rowsRead: number;
  @ApiProperty({ minimum: 0, description: 'Bytes of the file read so far' }) bytesRead: number;
  @ApiProperty({ minimum: 0, description: "The file's size in bytes" }) sizeBytes: number;
  @ApiProperty({ minimum: 0, maximum: 100, description: 'Percent of the current part done' })
  percent: number;
}

/** How many rows the dry run planned for each outcome. */
export class ImportCountsView {
  @ApiProperty({ minimum: 0 }) create: number;
  @ApiProperty({ minimum: 0 }) update: number;
  @ApiProperty({ minimum: 0 }) duplicate: number;
  @ApiProperty({ minimum: 0 }) duplicateInFile: number;
  @ApiProperty({ minimum: 0 }) error: number;
}

/** The commit's part (all zero before it). */
export class ImportCommitView {
  @ApiProperty({ enum: IMPORT_DUPLICATE_POLICIES, nullable: true, type: String })
  duplicates: ImportDuplicatePolicy | null;
  @ApiProperty({ minimum: 0, description: 'The last row number committed' })
  committedThrough: number;
  @ApiProperty({ minimum: 0 }) created: number;
  @ApiProperty({ minimum: 0 }) updated: number;
  @ApiProperty({ minimum: 0 }) merged: number;
  @ApiProperty({ minimum: 0 }) skipped: number;
  @ApiProperty({ minimum: 0 }) failed: number;
}

/** The vehicles part, done by the vehicles service from the commit's batches. */
export class ImportVehiclesView {
  @ApiProperty({ minimum: 0 }) batchesSent: number;
  @ApiProperty({ minimum: 0 }) batchesDone: number;
  @ApiProperty({ minimum: 0, description: 'New vehicles, the row’s customer their owner' })
  created: number;
  @ApiProperty({
    minimum: 0,
    description: 'Rows whose plate the tenant had: that vehicle got the row’s customer as owner',
  })
  linked: number;
  @ApiProperty({ minimum: 0, description: 'Rows whose vehicle was refused (see their errors)' })
  refused: number;
}

export class ImportView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: IMPORT_STATUSES, description: IMPORT_STATUSES.join(', ') })
  status: ImportStatus;
  @ApiProperty({ description: 'The uploaded file’s name' }) fileName: string;
  @ApiProperty({ enum: IMPORT_FORMATS, nullable: true, type: String })
  format: ImportFormat | null;
  @ApiProperty({ nullable: true, type: String, description: 'A CSV’s encoding, as read' })
  encoding: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'A CSV’s separator, as detected' })
  separator: string | null;
  @ApiProperty({ type: ImportOptionsDto }) options: ImportOptionsDto;
  @ApiProperty({ type: [ImportWarningView] }) warnings: ImportWarningView[];
  @ApiProperty({
    nullable: true,
    type: ProblemDetails,
    description: 'Why the import failed (a failed import only)',
  })
  problem: ProblemDetails | null;
  @ApiProperty({ type: ImportProgressView }) progress: ImportProgressView;
  @ApiProperty({ type: ImportCountsView }) counts: ImportCountsView;
  @ApiProperty({ type: ImportCommitView }) commit: ImportCommitView;
  @ApiProperty({ type: ImportVehiclesView }) vehicles: ImportVehiclesView;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Who uploaded' })
  createdBy: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) plannedAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) committedAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) cancelledAt: string | null;
  @ApiProperty({
    format: 'date-time',
    description: 'When an import not committed is deleted with its rows',
  })
  expiresAt: string;
}

export class ImportPage {
  @ApiProperty({ type: [ImportView] }) items: ImportView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

/** One planned row. */
export class ImportRowView {
  @ApiProperty({ minimum: 1, description: 'The row’s number in the file (the header is row 1)' })
  rowNumber: number;
  @ApiProperty({ enum: IMPORT_OUTCOMES }) outcome: ImportOutcome;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The customer it updates, the duplicate’s candidate, or the one it created',
  })
  customerId: string | null;
  @ApiProperty({ enum: DUPLICATE_REASONS, nullable: true, type: String })
  duplicateReason: DuplicateReason | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'duplicate_in_file: the earlier row it repeats',
  })
  firstRow: number | null;
  @ApiProperty({ type: [FieldError], description: 'Empty unless the row has errors' })
  errors: FieldError[];
  @ApiProperty({ enum: IMPORT_RESULTS, nullable: true, type: String })
  result: ImportResult | null;
}

export class ImportRowPage {
  @ApiProperty({ type: [ImportRowView] }) items: ImportRowView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class ListImportsQueryDto extends PageQueryDto {}

export class ListImportRowsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: IMPORT_OUTCOMES, description: 'Only the rows of this outcome' })
  @IsOptional()
  @IsString()
  @IsIn(IMPORT_OUTCOMES, { message: `outcome must be one of ${IMPORT_OUTCOMES.join(', ')}` })
  outcome?: ImportOutcome;
}

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

/** Query of `GET /imports/template`. */
export class ImportTemplateQueryDto {
  @ApiPropertyOptional({
    enum: LOCALES,
    description: "Language of the headers; default the tenant's",
  })
  @IsOptional()
  @IsString()
  @IsIn(LOCALES, { message: `locale must be one of ${LOCALES.join(', ')}` })
  locale?: Locale;

  @ApiPropertyOptional({ default: true, description: 'Whether the template has vehicle columns' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'vehicles must be true or false' })
  vehicles?: boolean;
}

/* RPC data (libs/contracts/src/customers/rpc.ts). */

/**
 * One chunk of an upload. The first (offset 0) makes the import, `uploading`; a chunk is written
 * at its offset, so one sent again writes the same bytes (idempotent), and one past the end
 * received so far is refused (409).
 */
export class UploadImportChunkCommand {
  @IsUUID('all')
  uploadId: string;

  @IsString()
  @Length(1, 255)
  fileName: string;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset: number;

  @IsString()
  @MaxLength(Math.ceil(IMPORT_CHUNK_MAX_BYTES / 3) * 4)
  chunkBase64: string;
}

export interface ImportUploadProgress {
  uploadId: string;
  /** Bytes of the file received so far. */
  received: number;
}

/** Starts the dry run of a whole upload: its file is opened (415/422 at once), then planned. */
export class StartImportCommand {
  @IsUUID('all')
  uploadId: string;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  sizeBytes: number;

  @IsObject()
  @ValidateNested()
  @Type(() => ImportOptionsDto)
  options: ImportOptionsDto;
}

export class ImportRowsQuery extends ListImportRowsQueryDto {
  @IsString()
  @Length(1, 100)
  id: string;
}

/** One chunk of a file the customers service writes for an import (errors.xlsx). */
export class ImportFileChunkQuery {
  @IsString()
  @Length(1, 100)
  id: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  offset?: number;
}

export interface ImportFileChunk {
  fileName: string;
  contentType: string;
  sizeBytes: number;
  /** The bytes from the asked offset, base64 (an RPC answer is JSON). */
  chunkBase64: string;
  /** Where the next chunk starts; null after the last. */
  nextOffset: number | null;
}

export class ImportTemplateQuery {
  @IsIn(LOCALES)
  locale: Locale;

  @IsBoolean()
  vehicles: boolean;
}
