import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { LOCALES, type Locale } from '../context';
import { MultiLineText } from '../text';

/** Purposes every tenant has; a tenant may publish texts for purposes of its own as well. */
export const BUILT_IN_PURPOSES = [
  'marketing_email',
  'marketing_sms',
  'data_processing',
  'commercial_info',
  'third_party_sharing',
] as const;
export const PURPOSE_PATTERN = /^[a-z][a-z0-9_]{2,39}$/;
const PURPOSE_MESSAGE =
  'purpose must be 3-40 lower-case letters, digits or _ starting with a letter, e.g. marketing_email';

export const CONSENT_DECISIONS = ['granted', 'withdrawn'] as const;
export type ConsentDecision = (typeof CONSENT_DECISIONS)[number];

/** Where a decision was given. */
export const CONSENT_SOURCES = [
  'reception',
  'online_booking',
  'kiosk',
  'client_portal',
  'import',
  'api',
] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

/**
 * The sources of ledger entries: where a decision was given, and the two the consents service
 * writes itself when customers are merged (issue #14): `merge` (the survivor takes the
 * duplicate's newer decision) and `merge_undo` (the undo restores the survivor's own).
 */
export const LEDGER_SOURCES = [...CONSENT_SOURCES, 'merge', 'merge_undo'] as const;
export type LedgerSource = (typeof LEDGER_SOURCES)[number];

export const CONTACT_CHANNELS = ['email', 'sms', 'phone'] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];
export const PREFERRED_CHANNELS = [...CONTACT_CHANNELS, 'none'] as const;
export type PreferredChannel = (typeof PREFERRED_CHANNELS)[number];
export const CONTACT_PURPOSES = ['marketing', 'service'] as const;
export type ContactPurpose = (typeof CONTACT_PURPOSES)[number];

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

export class PublishConsentTextDto {
  @ApiProperty({ example: 'marketing_email', description: 'A built-in or tenant-defined purpose' })
  @Matches(PURPOSE_PATTERN, { message: PURPOSE_MESSAGE })
  purpose: string;

  @ApiProperty({ enum: LOCALES })
  @IsIn(LOCALES)
  locale: Locale;

  @ApiPropertyOptional({ maxLength: 200, example: 'Sähköpostimarkkinointi' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  title?: string;

  @ApiProperty({ maxLength: 20000, description: 'The text exactly as the customer is shown it' })
  @IsString()
  @Matches(/\S/, { message: 'body must not be blank' })
  @MaxLength(20000)
  @MultiLineText()
  body: string;
}

export class ListConsentTextsQueryDto {
  @ApiPropertyOptional({ example: 'marketing_email' })
  @IsOptional()
  @Matches(PURPOSE_PATTERN, { message: PURPOSE_MESSAGE })
  purpose?: string;

  @ApiPropertyOptional({ enum: LOCALES })
  @IsOptional()
  @IsIn(LOCALES)
  locale?: Locale;

  @ApiPropertyOptional({
    default: false,
    description: 'Every version, newest first, instead of the texts in force',
  })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'history must be true or false' })
  history?: boolean;
}

export class ConsentTextView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() purpose: string;
  @ApiProperty({ enum: LOCALES }) locale: Locale;
  @ApiProperty({ description: '1 for the first text of a purpose and locale' }) version: number;
  @ApiProperty({ nullable: true, type: String }) title: string | null;
  @ApiProperty() body: string;
  @ApiProperty({ description: 'SHA-256 of the body, hex' }) contentHash: string;
  @ApiProperty({ format: 'date-time' }) publishedAt: string;
  @ApiProperty({ format: 'uuid' }) publishedBy: string;
  @ApiProperty({ description: 'A newer version of this purpose and locale exists' })
  superseded: boolean;
}

export class ConsentTextPage {
  @ApiProperty({ type: [ConsentTextView] }) items: ConsentTextView[];
}

export class ConsentEvidenceDto {
  @ApiPropertyOptional({ maxLength: 200, description: 'e.g. the id of a signed form' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  signatureRef?: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @MultiLineText()
  note?: string;
}

export class ConsentDecisionDto {
  @ApiProperty({ example: 'marketing_email' })
  @Matches(PURPOSE_PATTERN, { message: PURPOSE_MESSAGE })
  purpose: string;

  @ApiProperty({ enum: CONSENT_DECISIONS })
  @IsIn(CONSENT_DECISIONS)
  decision: ConsentDecision;

  @ApiProperty({ format: 'uuid', description: 'The consent text version the customer was shown' })
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  )
  @IsUUID('all', { message: 'textId must be a consent text id (UUID)' })
  textId: string;

  @ApiPropertyOptional({ type: ConsentEvidenceDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ConsentEvidenceDto)
  evidence?: ConsentEvidenceDto;
}

export class RecordConsentsDto {
  @ApiPropertyOptional({ enum: CONSENT_SOURCES, default: 'reception' })
  @IsOptional()
  @IsIn(CONSENT_SOURCES)
  source?: ConsentSource;

  @ApiProperty({ type: [ConsentDecisionDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => ConsentDecisionDto)
  decisions: ConsentDecisionDto[];
}

export class RefreshConsentsDto {
  @ApiPropertyOptional({ enum: CONSENT_SOURCES, default: 'reception' })
  @IsOptional()
  @IsIn(CONSENT_SOURCES)
  source?: ConsentSource;

  @ApiPropertyOptional({
    type: [String],
    description: 'Only these purposes; default: every purpose with a decision',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(PURPOSE_PATTERN, { each: true, message: PURPOSE_MESSAGE })
  purposes?: string[];

  @ApiPropertyOptional({ type: ConsentEvidenceDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ConsentEvidenceDto)
  evidence?: ConsentEvidenceDto;
}

export class CustomerConsentsQueryDto {
  @ApiPropertyOptional({ default: false, description: 'Also every ledger entry, newest first' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'history must be true or false' })
  history?: boolean;
}

export class ConsentRecorderView {
  @ApiProperty({ nullable: true, type: String }) userId: string | null;
  @ApiProperty({ nullable: true, type: String }) partner: string | null;
}

export class ConsentEntryView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({
    format: 'uuid',
    description:
      "The customer the entry was recorded for: a merged-in duplicate's id in its survivor's history",
  })
  customerId: string;
  @ApiProperty() purpose: string;
  @ApiProperty({
    enum: CONSENT_DECISIONS,
    nullable: true,
    description: 'null only for a `merge_undo` entry restoring "no decision"',
  })
  decision: ConsentDecision | null;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description:
      'The text the decision was given on; null for "no decision", and for a decision imported under an unknown text (source `import`, or a merge entry carrying one: always outdated)',
  })
  textId: string | null;
  @ApiProperty({ nullable: true, type: Number }) textVersion: number | null;
  @ApiProperty({ enum: LOCALES, nullable: true }) textLocale: Locale | null;
  @ApiProperty({
    enum: LEDGER_SOURCES,
    description:
      '`merge` / `merge_undo`: written by a merge of customers or its undo (no recorder, no evidence)',
  })
  source: LedgerSource;
  @ApiProperty({ type: ConsentRecorderView }) recordedBy: ConsentRecorderView;
  @ApiProperty({ format: 'date-time' }) recordedAt: string;
  @ApiProperty({ type: ConsentEvidenceDto, nullable: true }) evidence: ConsentEvidenceDto | null;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The merge a `merge` or `merge_undo` entry belongs to',
  })
  mergeId: string | null;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description:
      'A `merge` or `merge_undo` entry: the original entry whose decision it carries (its evidence stays there)',
  })
  mergedEntryId: string | null;
}

export class CurrentConsentView extends ConsentEntryView {
  @ApiProperty({
    description:
      'A newer text of this purpose has been published since the decision (in its locale), or the decision was imported under an unknown text (textId null): ask again before marketing',
  })
  outdated: boolean;
}

export class CustomerConsentsView {
  @ApiProperty({
    format: 'uuid',
    description: 'Whose consents these are: the survivor when a merged duplicate was asked for',
  })
  customerId: string;
  @ApiProperty({ type: [CurrentConsentView], description: 'The current decision per purpose' })
  current: CurrentConsentView[];
  @ApiPropertyOptional({ type: [ConsentEntryView], description: 'With history=true' })
  history?: ConsentEntryView[];
}

export class CommunicationPreferencesDto {
  @ApiPropertyOptional({ description: 'No messages of any kind' })
  @IsOptional()
  @IsBoolean({ message: 'blocked must be true or false' })
  blocked?: boolean;

  @ApiPropertyOptional({ enum: PREFERRED_CHANNELS })
  @IsOptional()
  @IsIn(PREFERRED_CHANNELS)
  preferredChannel?: PreferredChannel;

  @ApiPropertyOptional({ description: 'Service notifications (booking reminders and the like)' })
  @IsOptional()
  @IsBoolean({ message: 'serviceNotifications must be true or false' })
  serviceNotifications?: boolean;
}

export class CommunicationPreferencesView {
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty() blocked: boolean;
  @ApiProperty({ enum: PREFERRED_CHANNELS }) preferredChannel: PreferredChannel;
  @ApiProperty() serviceNotifications: boolean;
  @ApiProperty({ description: '0 until first set' }) version: number;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) updatedAt: string | null;
}

export class ContactabilityQueryDto {
  @ApiProperty({ enum: CONTACT_PURPOSES })
  @IsIn(CONTACT_PURPOSES)
  purpose: ContactPurpose;

  @ApiProperty({ enum: CONTACT_CHANNELS })
  @IsIn(CONTACT_CHANNELS)
  channel: ContactChannel;
}

/** Why a customer may not be contacted; `erased` (the customer is erased) stands alone. */
export const CONTACTABILITY_REASONS = [
  'erased',
  'blocked',
  'no_address',
  'notifications_off',
  'no_consent',
  'consent_withdrawn',
  'text_outdated',
] as const;
export type ContactabilityReason = (typeof CONTACTABILITY_REASONS)[number];

export class ContactabilityView {
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ enum: CONTACT_PURPOSES }) purpose: ContactPurpose;
  @ApiProperty({ enum: CONTACT_CHANNELS }) channel: ContactChannel;
  @ApiProperty() allowed: boolean;
  @ApiProperty({ enum: CONTACTABILITY_REASONS, isArray: true, description: 'Empty when allowed' })
  reasons: ContactabilityReason[];
  @ApiProperty({ nullable: true, type: String, description: 'The consent purpose that applies' })
  consentPurpose: string | null;
  @ApiProperty({ enum: PREFERRED_CHANNELS, description: "The customer's preferred channel" })
  preferredChannel: PreferredChannel;
}
