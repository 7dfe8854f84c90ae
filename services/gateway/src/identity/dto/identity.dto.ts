import { getCountries } from 'libphonenumber-js/max';
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import {
  DELETION_GRACE_DAYS,
  LOCALES,
  REPORT_RETENTION_DAYS,
  RETENTION_YEARS,
  type Locale,
  type Role,
} from '@kanta/contracts';
import { IsTimeZone } from '../time-zone';

const trim = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;
const lowerTrim = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

/** Roles the API can give; a superadmin exists only through the start-up bootstrap. */
export const ASSIGNABLE_ROLES = ['admin', 'worker'] as const;
export type AssignableRole = (typeof ASSIGNABLE_ROLES)[number];

/** Countries whose phone numbers can be parsed: the tenant's default country is used for that. */
const PHONE_COUNTRIES: string[] = getCountries();
const RETENTION_MESSAGE = `retentionYears must be a whole number of years from ${RETENTION_YEARS.min} to ${RETENTION_YEARS.max}, or null (off)`;

const REPORT_RETENTION_MESSAGE = `reportRetentionDays must be a whole number of days from ${REPORT_RETENTION_DAYS.min} to ${REPORT_RETENTION_DAYS.max}`;

/** `reportRetentionDays` of a tenant, on create and update alike. */
function ReportRetentionDays(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: Number,
      minimum: REPORT_RETENTION_DAYS.min,
      maximum: REPORT_RETENTION_DAYS.max,
      default: REPORT_RETENTION_DAYS.default,
      description:
        "Days a done report's file is kept before the reporting service deletes it (a report " +
        'done before a change keeps its days)',
    }),
    IsOptional(),
    IsInt({ message: REPORT_RETENTION_MESSAGE }),
    Min(REPORT_RETENTION_DAYS.min, { message: REPORT_RETENTION_MESSAGE }),
    Max(REPORT_RETENTION_DAYS.max, { message: REPORT_RETENTION_MESSAGE }),
  );
}

/** `retentionYears` of a tenant, on create and update alike: null (or left out on create) is off. */
function RetentionYears(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: Number,
      nullable: true,
      minimum: RETENTION_YEARS.min,
      maximum: RETENTION_YEARS.max,
      description:
        'Customers with no visit, sale or edit for this many years are erased by the privacy ' +
        "service's sweep (reason retention); null, the default, is off",
    }),
    IsOptional(),
    IsInt({ message: RETENTION_MESSAGE }),
    Min(RETENTION_YEARS.min, { message: RETENTION_MESSAGE }),
    Max(RETENTION_YEARS.max, { message: RETENTION_MESSAGE }),
  );
}

/** A tenant's `deletionGraceDays` as a create and a change take it (0–365, optional). */
function DeletionGraceDays(): PropertyDecorator {
  const message = 'deletionGraceDays must be a whole number of days, 0 to 365';
  return applyDecorators(
    ApiPropertyOptional({
      minimum: DELETION_GRACE_DAYS.min,
      maximum: DELETION_GRACE_DAYS.max,
      description: `Days between a customer's deletion request and its erasure; default ${DELETION_GRACE_DAYS.default}`,
    }),
    IsOptional(),
    IsInt({ message }),
    Min(DELETION_GRACE_DAYS.min, { message }),
    Max(DELETION_GRACE_DAYS.max, { message }),
  );
}

const COUNTRY_MESSAGE = 'country must be an ISO 3166-1 alpha-2 code of a real country, such as FI';

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page' })
  @IsOptional()
  @IsUUID('all', { message: 'cursor is not one this API gave out' })
  cursor?: string;
}

export class CreateTenantDto {
  @ApiProperty({ example: 'demo', description: 'Lower-case letters, digits and hyphens' })
  @Transform(lowerTrim)
  @Matches(/^[a-z0-9][a-z0-9-]{1,39}$/, {
    message: 'slug must be 2-40 lower-case letters, digits or hyphens',
  })
  slug: string;

  @ApiProperty({ example: 'Demo Katsastus Oy', maxLength: 200 })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ enum: LOCALES })
  @IsIn(LOCALES)
  locale: Locale;

  @ApiProperty({ example: 'FI', description: 'Default phone country, ISO 3166-1 alpha-2' })
  @IsIn(PHONE_COUNTRIES, { message: COUNTRY_MESSAGE })
  country: string;

  @ApiPropertyOptional({
    example: 'Europe/Helsinki',
    description:
      'IANA time zone dates are shown in; default from country (FI Europe/Helsinki, PL Europe/Warsaw, FR Europe/Paris, UA Europe/Kyiv, else UTC)',
  })
  @IsOptional()
  @IsString()
  @IsTimeZone()
  timeZone?: string;

  @DeletionGraceDays()
  deletionGraceDays?: number;

  @RetentionYears()
  retentionYears?: number | null;

  @ReportRetentionDays()
  reportRetentionDays?: number;
}

export class UpdateTenantDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ enum: LOCALES })
  @IsOptional()
  @IsIn(LOCALES)
  locale?: Locale;

  @ApiPropertyOptional({ example: 'FI' })
  @IsOptional()
  @IsIn(PHONE_COUNTRIES, { message: COUNTRY_MESSAGE })
  country?: string;

  @ApiPropertyOptional({ example: 'Europe/Helsinki', description: 'IANA time zone' })
  @IsOptional()
  @IsString()
  @IsTimeZone()
  timeZone?: string;

  @DeletionGraceDays()
  deletionGraceDays?: number;

  @RetentionYears()
  retentionYears?: number | null;

  @ReportRetentionDays()
  reportRetentionDays?: number;
}

export class TenantView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() slug: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: LOCALES }) locale: Locale;
  @ApiProperty() country: string;
  @ApiProperty({ example: 'Europe/Helsinki' }) timeZone: string;
  @ApiProperty({ minimum: 0, maximum: 365, description: 'Days before a deletion request erases' })
  deletionGraceDays: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    minimum: RETENTION_YEARS.min,
    maximum: RETENTION_YEARS.max,
    description: 'Years without a visit, sale or edit before a customer is erased; null: off',
  })
  retentionYears: number | null;
  @ApiProperty({
    minimum: REPORT_RETENTION_DAYS.min,
    maximum: REPORT_RETENTION_DAYS.max,
    description: "Days a done report's file is kept",
  })
  reportRetentionDays: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class TenantPage {
  @ApiProperty({ type: [TenantView] }) items: TenantView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class CreateStationDto {
  @ApiProperty({ example: 'Helsinki Vallila', maxLength: 200 })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;
}

export class UpdateStationDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;
}

export class StationView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) tenantId: string;
  @ApiProperty() name: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class StationPage {
  @ApiProperty({ type: [StationView] }) items: StationView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class CreateUserDto {
  @ApiProperty({ example: 'worker@demo.test' })
  @Transform(lowerTrim)
  @IsEmail({}, { message: 'email must be a valid e-mail address' })
  @MaxLength(254)
  email: string;

  @ApiProperty({ minLength: 10, maxLength: 200 })
  @IsString()
  @MinLength(10)
  @MaxLength(200)
  password: string;

  @ApiProperty({ enum: ASSIGNABLE_ROLES })
  @IsIn(ASSIGNABLE_ROLES)
  role: AssignableRole;

  @ApiPropertyOptional({ type: [String], description: 'Stations the user works at' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsUUID('all', { each: true, message: 'stationIds must be station ids (UUIDs)' })
  stationIds?: string[];

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Superadmin only: the tenant of the new user (e.g. its first admin)',
  })
  @IsOptional()
  @IsUUID('all')
  tenantId?: string;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ enum: ASSIGNABLE_ROLES })
  @IsOptional()
  @IsIn(ASSIGNABLE_ROLES)
  role?: AssignableRole;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsUUID('all', { each: true, message: 'stationIds must be station ids (UUIDs)' })
  stationIds?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional({ minLength: 10, maxLength: 200 })
  @IsOptional()
  @IsString()
  @MinLength(10)
  @MaxLength(200)
  password?: string;
}

export class ListUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Superadmin only: whose users to list' })
  @IsOptional()
  @IsUUID('all')
  tenantId?: string;
}

export class UserView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty({ enum: ['superadmin', 'admin', 'worker'] }) role: Role;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) tenantId: string | null;
  @ApiProperty({ type: [String] }) stationIds: string[];
  @ApiProperty() active: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class UserPage {
  @ApiProperty({ type: [UserView] }) items: UserView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
