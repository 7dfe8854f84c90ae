import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

/** Station ids compare as text downstream, so they are lower-cased at the edge. */
const lowerCaseIds = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map((v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v))
    : value;

/** A calendar date, or a date-time with a zone: week and ordinal ISO forms are not accepted. */
const DATE_OR_ZONED_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export const CUSTOMER_KINDS = ['person', 'company'] as const;
export type CustomerKind = (typeof CUSTOMER_KINDS)[number];

export const CUSTOMER_STATUSES = ['active', 'passive'] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];

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
  street?: string | null;

  @ApiPropertyOptional({ maxLength: 20 })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  postalCode?: string | null;

  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  city?: string | null;

  @ApiPropertyOptional({ description: 'ISO 3166-1 alpha-2', example: 'FI' })
  @IsOptional()
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code such as FI' })
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

/**
 * The writable fields of a customer. Shared by create and update; on update every field is
 * optional and `null` clears it (JSON merge-patch semantics).
 */
export class CustomerFieldsDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  firstName?: string | null;

  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  lastName?: string | null;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  companyName?: string | null;

  @ApiPropertyOptional({ description: 'Business id (Y-tunnus, NIP, SIREN, ЄДРПОУ)', maxLength: 40 })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  businessId?: string | null;

  @ApiPropertyOptional({
    description:
      "Phone as typed; stored as E.164 using the tenant's default country when it has no country code",
    example: '040 123 4567',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  phone?: string | null;

  @ApiPropertyOptional({ example: 'someone@example.test' })
  @IsOptional()
  @IsEmail({}, { message: 'email must be a valid e-mail address' })
  @MaxLength(254)
  email?: string | null;

  @ApiPropertyOptional({ type: [AddressDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => AddressDto)
  addresses?: AddressDto[] | null;

  @ApiPropertyOptional({ maxLength: 4000 })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  notes?: string | null;

  @ApiPropertyOptional({ enum: CUSTOMER_STATUSES })
  @IsOptional()
  @IsIn(CUSTOMER_STATUSES)
  status?: CustomerStatus;

  @ApiPropertyOptional({
    description: 'Unique in the tenant; generated when omitted',
    maxLength: 30,
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9-]{0,29}$/, {
    message: 'customerNumber must be 1-30 letters, digits or hyphens',
  })
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
}

export class CreateCustomerDto extends CustomerFieldsDto {
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

export class SearchCustomersQueryDto {
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

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 25 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  cursor?: string;
}

export class CustomerView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: CUSTOMER_KINDS }) kind: CustomerKind;
  @ApiProperty({ nullable: true, type: String }) firstName: string | null;
  @ApiProperty({ nullable: true, type: String }) lastName: string | null;
  @ApiProperty({ nullable: true, type: String }) companyName: string | null;
  @ApiProperty({ nullable: true, type: String }) businessId: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'E.164' }) phone: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'As typed' }) phoneRaw: string | null;
  @ApiProperty({ nullable: true, type: String }) email: string | null;
  @ApiProperty({ type: [AddressDto] }) addresses: AddressDto[];
  @ApiProperty({ nullable: true, type: String }) notes: string | null;
  @ApiProperty({ enum: CUSTOMER_STATUSES }) status: CustomerStatus;
  @ApiProperty() customerNumber: string;
  @ApiProperty({ type: [String] }) stationIds: string[];
  @ApiProperty({ enum: CUSTOMER_ORIGINS }) origin: CustomerOrigin;
  @ApiProperty({ type: [ExternalIdDto] }) externalIds: ExternalIdDto[];
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ description: 'Optimistic-concurrency version; also the ETag' }) version: number;
}

export class CustomerPage {
  @ApiProperty({ type: [CustomerView] }) items: CustomerView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

/** RPC data for create: the body plus the optional Idempotency-Key header. */
export interface CreateCustomerCommand {
  customer: CreateCustomerDto;
  idempotencyKey?: string;
}

export interface GetCustomerQuery {
  id: string;
}

export interface UpdateCustomerCommand {
  id: string;
  /** The version from If-Match; a different current version is a 412. */
  expectedVersion: number;
  patch: UpdateCustomerDto;
}

/** What create answers: `replayed` is true when an Idempotency-Key matched an earlier create. */
export interface CreateCustomerResult {
  customer: CustomerView;
  replayed: boolean;
}
