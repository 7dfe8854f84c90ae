import { ApiProperty, ApiPropertyOptional, ApiSchema, OmitType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import type { Locale } from '../context';
import { RecordConsentsDto } from '../consents/consent.dto';
import { PageQueryDto } from '../page.dto';
import { MultiLineText, Nullable } from '../text';
import { ME_OR_UUID } from '../uuid';

/** Station ids compare as text downstream, so they are lower-cased at the edge. */
const lowerCaseIds = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map((v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v))
    : value;

/** A single id, lower-cased like the lists. */
const lowerCaseId = (value: unknown): unknown =>
  typeof value === 'string' ? value.toLowerCase() : value;

/** A calendar date, or a date-time with a zone: week and ordinal ISO forms are not accepted. */
const DATE_OR_ZONED_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export const MARKETING_CONSENT_FILTERS = ['both', 'either', 'neither', 'email', 'sms'] as const;
export type MarketingConsentFilter = (typeof MARKETING_CONSENT_FILTERS)[number];

export const CUSTOMER_KINDS = ['person', 'company'] as const;
export type CustomerKind = (typeof CUSTOMER_KINDS)[number];

export const CUSTOMER_STATUSES = ['active', 'passive'] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];

/**
 * What a customer record can be beyond the statuses a user sets: `erased` is the shell an
 * erasure leaves (id, tenant, stations, dates and number; every personal field cleared);
 * `merged` is a duplicate merged into another customer (`mergedInto`), kept as it was so the
 * merge can be undone. Events and views carry them; nobody sets them but the erasure and the
 * merge.
 */
export const CUSTOMER_RECORD_STATUSES = [...CUSTOMER_STATUSES, 'erased', 'merged'] as const;
export type CustomerRecordStatus = (typeof CUSTOMER_RECORD_STATUSES)[number];

/**
 * What an erased customer's name shows, in the tenant's language: `lastName` of a person,
 * `companyName` of a company (every other personal field is null or empty). Nothing of the
 * person is stored; the text is the view's.
 */
export const ERASED_CUSTOMER_NAME: Record<Locale, string> = {
  fi: 'Tiedot pyyhitty',
  pl: 'Dane usunięte',
  fr: 'Données effacées',
  uk: 'Дані видалено',
  en: 'Data erased',
};

const ERASED_NAME_NOTE =
  "An erased customer (status `erased`) shows the tenant's placeholder here (" +
  Object.values(ERASED_CUSTOMER_NAME)
    .map((name) => `"${name}"`)
    .join(', ') +
  ')';

/** How the record came to be. */
export const CUSTOMER_ORIGINS = [
  'reception',
  'online_booking',
  'kiosk',
  'pos',
  'import',
  'api',
] as const;
export type CustomerOrigin = (typeof CUSTOMER_ORIGINS)[number];

export const ADDRESS_TYPES = ['home', 'postal', 'registered', 'work'] as const;
export type AddressType = (typeof ADDRESS_TYPES)[number];

export class AddressDto {
  @ApiProperty({ enum: ADDRESS_TYPES })
  @IsIn(ADDRESS_TYPES)
  type: AddressType;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Nullable()
  street?: string | null;

  @ApiPropertyOptional({ maxLength: 20 })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  @Nullable()
  postalCode?: string | null;

  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Nullable()
  city?: string | null;

  @ApiPropertyOptional({ description: 'ISO 3166-1 alpha-2', example: 'FI' })
  @IsOptional()
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code such as FI' })
  @Nullable()
  country?: string | null;
}

export class ExternalIdDto {
  @ApiProperty({ description: 'The system that issued the id', example: 'dms' })
  @Matches(/^[a-z][a-z0-9_-]{0,39}$/, {
    message: 'system must be lower-case letters, digits, _ or - (at most 40), e.g. dms',
  })
  system: string;

  @ApiProperty({ example: 'DMS-000123' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  id: string;
}

export const DOCUMENT_TYPES = ['id_card', 'passport'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/** An identity document: sensitive, encrypted at rest, shown in full to admins only. */
export class IdentityDocumentDto {
  @ApiProperty({ enum: DOCUMENT_TYPES })
  @IsIn(DOCUMENT_TYPES, { message: `type must be one of ${DOCUMENT_TYPES.join(', ')}` })
  type: DocumentType;

  @ApiPropertyOptional({ description: 'Series, if the document has one', example: 'AB' })
  @IsOptional()
  @Matches(/^[\p{L}\p{N}]{1,10}$/u, { message: 'series must be 1-10 letters or digits' })
  @Nullable()
  series?: string | null;

  @ApiProperty({ example: '1234567' })
  @Matches(/^[\p{L}\p{N}]{1,20}$/u, { message: 'number must be 1-20 letters or digits' })
  number: string;
}

/** An identity document as a customer answers it: masked for those who may not see it. */
export class IdentityDocumentView {
  @ApiProperty({ enum: DOCUMENT_TYPES }) type: DocumentType;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'AB' }) series?: string | null;
  @ApiProperty({ example: '1234567' }) number: string;
}

/** A name day: a day of the year, without a year. */
export class NameDayDto {
  @ApiProperty({ minimum: 1, maximum: 12 })
  @IsInt({ message: 'month must be a whole number 1-12' })
  @Min(1, { message: 'month must be a whole number 1-12' })
  @Max(12, { message: 'month must be a whole number 1-12' })
  month: number;

  @ApiProperty({ minimum: 1, maximum: 31 })
  @IsInt({ message: 'day must be a whole number 1-31' })
  @Min(1, { message: 'day must be a whole number 1-31' })
  @Max(31, { message: 'day must be a whole number 1-31' })
  day: number;
}

/**
 * The writable fields of a customer. Shared by create and update; on update every field is
 * optional and `null` clears it (JSON merge-patch semantics).
 */
export class CustomerFieldsDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Nullable()
  firstName?: string | null;

  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Nullable()
  lastName?: string | null;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Nullable()
  companyName?: string | null;

  @ApiPropertyOptional({ description: 'Business id (Y-tunnus, NIP, SIREN, ЄДРПОУ)', maxLength: 40 })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  @Nullable()
  businessId?: string | null;

  @ApiPropertyOptional({
    description:
      "Phone as typed; stored as E.164 using the tenant's default country when it has no country code",
    example: '040 123 4567',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  @Nullable()
  phone?: string | null;

  @ApiPropertyOptional({ example: 'someone@example.test' })
  @IsOptional()
  @IsEmail({}, { message: 'email must be a valid e-mail address' })
  @MaxLength(254)
  @Nullable()
  email?: string | null;

  @ApiPropertyOptional({ type: [AddressDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => AddressDto)
  @Nullable()
  addresses?: AddressDto[] | null;

  @ApiPropertyOptional({ maxLength: 4000 })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  @Nullable()
  @MultiLineText()
  notes?: string | null;

  @ApiPropertyOptional({ enum: CUSTOMER_STATUSES })
  @IsOptional()
  @IsIn(CUSTOMER_STATUSES)
  status?: CustomerStatus;

  @ApiPropertyOptional({
    description: 'Unique in the tenant; generated when omitted',
    example: 'C-1001',
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9-]{0,29}$/, {
    message: 'customerNumber must be 1-30 letters, digits or hyphens',
  })
  @Nullable()
  customerNumber?: string;

  @ApiPropertyOptional({
    type: [String],
    description: "Stations the customer belongs to; defaults to the caller's current station",
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => lowerCaseIds(value))
  @IsArray()
  @ArrayMaxSize(50)
  @IsUUID('all', { each: true })
  stationIds?: string[];

  @ApiPropertyOptional({ type: [ExternalIdDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => ExternalIdDto)
  externalIds?: ExternalIdDto[];

  @ApiPropertyOptional({ description: 'Free description of the customer', maxLength: 4000 })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  @Nullable()
  @MultiLineText()
  description?: string | null;

  @ApiPropertyOptional({ type: [String], description: 'Customer groups of the tenant' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => lowerCaseIds(value))
  @IsArray()
  @ArrayMaxSize(50)
  @IsUUID('all', { each: true, message: 'groupIds must be customer group ids (UUIDs)' })
  groupIds?: string[];

  @ApiPropertyOptional({ format: 'uuid', nullable: true, description: 'How they heard of you' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => lowerCaseId(value))
  @IsUUID('all', { message: 'sourceId must be a customer source id (UUID)' })
  sourceId?: string | null;

  @ApiPropertyOptional({
    format: 'uuid',
    nullable: true,
    description: 'The staff user whose regular customer this is (information only)',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => lowerCaseId(value))
  @IsUUID('all', { message: 'regularOfUserId must be a user id (UUID)' })
  regularOfUserId?: string | null;

  @ApiPropertyOptional({ minimum: 0, maximum: 100, example: 12.5, nullable: true })
  @IsOptional()
  @IsNumber(
    { maxDecimalPlaces: 2, allowNaN: false, allowInfinity: false },
    { message: 'discountPercent must be a number with at most two decimals' },
  )
  @Min(0, { message: 'discountPercent must be 0-100' })
  @Max(100, { message: 'discountPercent must be 0-100' })
  discountPercent?: number | null;

  @ApiPropertyOptional({ type: NameDayDto, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => NameDayDto)
  nameDay?: NameDayDto | null;

  @ApiPropertyOptional({
    format: 'date',
    nullable: true,
    description: 'Sensitive: encrypted at rest, masked for workers',
  })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'birthday must be a date such as 1980-05-17' })
  @IsISO8601({ strict: true }, { message: 'birthday must be a real date' })
  birthday?: string | null;

  @ApiPropertyOptional({
    type: [IdentityDocumentDto],
    description: 'Sensitive: encrypted at rest, masked for workers; one per type',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(DOCUMENT_TYPES.length)
  @ValidateNested({ each: true })
  @Type(() => IdentityDocumentDto)
  @Nullable()
  documents?: IdentityDocumentDto[] | null;

  @ApiPropertyOptional({ description: "The business's own staff or company" })
  @IsOptional()
  @IsBoolean({ message: 'internal must be true or false' })
  internal?: boolean;

  @ApiPropertyOptional({ description: 'A company customer that is a leasing company' })
  @IsOptional()
  @IsBoolean({ message: 'leasingCompany must be true or false' })
  leasingCompany?: boolean;

  @ApiPropertyOptional({ maxLength: 40, nullable: true, description: 'Its leasing identifier' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  leasingCompanyId?: string | null;
}

@ApiSchema({
  description:
    'Which fields a customer needs is the tenant’s choice (GET /customer-field-rules); unless ' +
    'it changed them, a person needs firstName and lastName, a company companyName.',
})
export class CreateCustomerDto extends CustomerFieldsDto {
  @ApiPropertyOptional({
    type: RecordConsentsDto,
    description:
      'Consent decisions given at the same time (reception); recorded in the consent ledger',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => RecordConsentsDto)
  consents?: RecordConsentsDto;

  @ApiPropertyOptional({ enum: CUSTOMER_KINDS, default: 'person' })
  @IsOptional()
  @IsIn(CUSTOMER_KINDS)
  kind?: CustomerKind;

  @ApiPropertyOptional({ enum: CUSTOMER_ORIGINS, default: 'reception' })
  @IsOptional()
  @IsIn(CUSTOMER_ORIGINS)
  origin?: CustomerOrigin;
}

export class UpdateCustomerDto extends CustomerFieldsDto {
  @ApiPropertyOptional({ enum: CUSTOMER_KINDS })
  @IsOptional()
  @IsIn(CUSTOMER_KINDS)
  kind?: CustomerKind;
}

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;
const toArray = ({ value }: { value: unknown }): unknown =>
  lowerCaseIds(typeof value === 'string' ? value.split(',').filter(Boolean) : value);

export class SearchCustomersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description:
      'Words; every word must match first/last/company name, phone, e-mail, customer number or an external id',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @Matches(DATE_OR_ZONED_DATE_TIME, {
    message:
      'createdFrom must be a date (2026-11-23) or a date-time with a zone (2026-11-23T08:00:00Z)',
  })
  @IsISO8601({ strict: true }, { message: 'createdFrom must be a real date' })
  createdFrom?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @Matches(DATE_OR_ZONED_DATE_TIME, {
    message:
      'createdTo must be a date (2026-11-23) or a date-time with a zone (2026-11-23T08:00:00Z)',
  })
  @IsISO8601({ strict: true }, { message: 'createdTo must be a real date' })
  createdTo?: string;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'includePassive must be true or false' })
  includePassive?: boolean;

  @ApiPropertyOptional({ type: [String], description: 'Comma-separated station ids' })
  @IsOptional()
  @Transform(toArray)
  @IsArray()
  @IsUUID('all', { each: true, message: 'stationIds must be station ids (UUIDs)' })
  stationIds?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Comma-separated group ids: in any of them' })
  @IsOptional()
  @Transform(toArray)
  @IsArray()
  @ArrayMaxSize(20)
  @IsUUID('all', { each: true, message: 'groupIds must be customer group ids (UUIDs)' })
  groupIds?: string[];

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => lowerCaseId(value))
  @IsUUID('all', { message: 'sourceId must be a customer source id (UUID)' })
  sourceId?: string;

  @ApiPropertyOptional({ description: "`me` or a user id: that staff user's regular customers" })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => lowerCaseId(value))
  @Matches(ME_OR_UUID, {
    message: 'regularOf must be me or a user id',
  })
  regularOf?: string;

  @ApiPropertyOptional({ description: 'true: leasing companies only; false: none of them' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'leasingCompany must be true or false' })
  leasingCompany?: boolean;

  @ApiPropertyOptional({ description: 'true: internal customers only; false: none of them' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'internal must be true or false' })
  internal?: boolean;

  @ApiPropertyOptional({
    description: 'An external id as system:id (e.g. dms:DMS-1): the customer holding it',
    example: 'dms:DMS-000123',
  })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9_-]{0,39}:.{1,100}$/s, {
    message: 'externalId must be system:id, e.g. dms:DMS-000123',
  })
  externalId?: string;

  @ApiPropertyOptional({
    enum: MARKETING_CONSENT_FILTERS,
    description:
      'Current marketing consents: both (e-mail and SMS), either, neither, email or sms (granted)',
  })
  @IsOptional()
  @IsIn(MARKETING_CONSENT_FILTERS)
  marketingConsent?: MarketingConsentFilter;
}

/**
 * The customer search's criteria without its page: the customers report takes exactly these
 * (services/reporting/README.md), and the customers service matches them by the list's rules.
 */
export class CustomerSearchCriteriaDto extends OmitType(SearchCustomersQueryDto, [
  'limit',
  'cursor',
] as const) {}

export class PendingDeletionView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) requestedAt: string;
  @ApiProperty({ format: 'date-time' }) dueAt: string;
}

export class CustomerView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: CUSTOMER_KINDS }) kind: CustomerKind;
  @ApiProperty({ nullable: true, type: String }) firstName: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: `${ERASED_NAME_NOTE} when it is a person.`,
  })
  lastName: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: `${ERASED_NAME_NOTE} when it is a company.`,
  })
  companyName: string | null;
  @ApiProperty({ nullable: true, type: String }) businessId: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'E.164' }) phone: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'As typed' }) phoneRaw: string | null;
  @ApiProperty({ nullable: true, type: String }) email: string | null;
  @ApiProperty({ type: [AddressDto] }) addresses: AddressDto[];
  @ApiProperty({ nullable: true, type: String }) notes: string | null;
  @ApiProperty({
    enum: CUSTOMER_RECORD_STATUSES,
    description:
      '`erased`: the shell an erasure left (id, number, kind, origin, stations and dates; ' +
      'every personal field empty); it cannot be changed (409 customer-erased). `merged`: ' +
      'merged into the customer `mergedInto`; the card is shown as it was at the merge (so the ' +
      'merge can be undone) and cannot be changed (409 customer-merged, naming the survivor)',
  })
  status: CustomerRecordStatus;
  @ApiPropertyOptional({
    format: 'uuid',
    type: String,
    description:
      'Only on a merged customer: the customer it lives on as (the end of a chain of merges: ' +
      'A merged into B, then B into C, is C). Read that one for its current card.',
  })
  mergedInto?: string;
  @ApiPropertyOptional({
    format: 'date-time',
    type: String,
    description: 'When the customer was erased; only on an erased customer',
  })
  erasedAt?: string;
  @ApiPropertyOptional({
    type: () => PendingDeletionView,
    description:
      'The pending deletion request: asked on requestedAt, the customer is erased on dueAt ' +
      'unless an admin cancels it; only while one is pending',
  })
  deletionRequest?: PendingDeletionView;
  @ApiProperty() customerNumber: string;
  @ApiProperty({ type: [String] }) stationIds: string[];
  @ApiProperty({ enum: CUSTOMER_ORIGINS }) origin: CustomerOrigin;
  @ApiProperty({ type: [ExternalIdDto] }) externalIds: ExternalIdDto[];
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ type: [String] }) groupIds: string[];
  @ApiProperty({ nullable: true, type: String }) sourceId: string | null;
  @ApiProperty({ nullable: true, type: String }) regularOfUserId: string | null;
  @ApiProperty({ nullable: true, type: Number }) discountPercent: number | null;
  @ApiProperty({ nullable: true, type: NameDayDto }) nameDay: NameDayDto | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Workers get ****-**-** when a birthday is on file',
  })
  birthday: string | null;
  @ApiProperty({
    type: [IdentityDocumentView],
    description: 'Workers get series and number masked (the last two characters shown)',
  })
  documents: IdentityDocumentView[];
  @ApiProperty() internal: boolean;
  @ApiProperty() leasingCompany: boolean;
  @ApiProperty({ nullable: true, type: String }) leasingCompanyId: string | null;
  @ApiProperty({ description: 'true when birthday and documents are masked for this caller' })
  sensitiveMasked: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ description: 'Optimistic-concurrency version; also the ETag' }) version: number;
}

export class CustomerPage {
  @ApiProperty({ type: [CustomerView] }) items: CustomerView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

/** What create answers: `replayed` is true when an Idempotency-Key matched an earlier create. */
export interface CreateCustomerResult {
  customer: CustomerView;
  replayed: boolean;
}
