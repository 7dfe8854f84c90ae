import { RecordConsentsDto } from '../consents/consent.dto';
import { PageQueryDto } from '../page.dto';
import { IsNotBlank, MultiLineText, Nullable } from '../text';
import { OptionalId } from './fields';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
  IsDefined,
} from 'class-validator';
import { CURRENCY_PATTERN, DATE_OR_ZONED_DATE_TIME, ZONED_DATE_TIME } from './rules';

export const VISIT_KINDS = ['booking', 'inspection', 'work_order', 'appointment'] as const;
export type VisitKind = (typeof VISIT_KINDS)[number];

export const VISIT_CHANNELS = [
  'phone',
  'walk_in',
  'online_booking',
  'marketplace',
  'kiosk',
  'dms',
] as const;
export type VisitChannel = (typeof VISIT_CHANNELS)[number];

export const VISIT_STATUSES = ['booked', 'completed', 'cancelled', 'no_show'] as const;
export type VisitStatus = (typeof VISIT_STATUSES)[number];

/** An amount in the currency's minor unit (cents) with its ISO 4217 code. */
export class MoneyDto {
  @ApiProperty({ example: 2500, description: 'Minor units (cents)' })
  @IsInt({ message: 'amountMinor must be a whole number of minor units (cents)' })
  @Min(0)
  @Max(1_000_000_000)
  @IsDefined({ message: 'amountMinor is required' })
  amountMinor: number;

  @ApiProperty({ example: 'EUR' })
  @Matches(CURRENCY_PATTERN, { message: 'currency must be an ISO 4217 code such as EUR' })
  @IsDefined({ message: 'currency is required' })
  currency: string;
}

export class VisitFieldsDto {
  @ApiPropertyOptional({ maxLength: 2000, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @MultiLineText()
  notes?: string | null;

  @ApiPropertyOptional({ maxLength: 2000, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @MultiLineText()
  specialRequests?: string | null;

  @OptionalId('staffUserId', 'user', 'The staff user')
  @Nullable()
  staffUserId?: string | null;

  @ApiPropertyOptional({
    description: 'The inspection card or work order in the partner system',
    nullable: true,
  })
  @IsOptional()
  @IsUrl(
    { require_protocol: true, protocols: ['https', 'http'] },
    { message: 'partnerLink must be a URL' },
  )
  @MaxLength(500)
  partnerLink?: string | null;
}

export class CreateVisitDto extends VisitFieldsDto {
  @OptionalId('stationId', 'station', "Defaults to the caller's current station")
  stationId?: string;

  @OptionalId(
    'customerId',
    'customer',
    "Without it, a visit with a vehicle gets the vehicle's default customer (one the caller may see)",
  )
  customerId?: string;

  @OptionalId('vehicleId', 'vehicle')
  vehicleId?: string;

  @ApiProperty({ enum: VISIT_KINDS })
  @IsIn(VISIT_KINDS, { message: `kind must be one of ${VISIT_KINDS.join(', ')}` })
  @IsDefined({ message: 'kind is required' })
  kind: VisitKind;

  @ApiProperty({ format: 'date-time', example: '2026-12-01T09:00:00+02:00' })
  @Matches(ZONED_DATE_TIME, { message: 'scheduledAt must be a date-time with a zone' })
  @IsISO8601({ strict: true }, { message: 'scheduledAt must be a real date-time' })
  @IsDefined({ message: 'scheduledAt is required' })
  scheduledAt: string;

  @ApiProperty({ enum: VISIT_CHANNELS })
  @IsIn(VISIT_CHANNELS, { message: `channel must be one of ${VISIT_CHANNELS.join(', ')}` })
  @IsDefined({ message: 'channel is required' })
  channel: VisitChannel;

  @ApiPropertyOptional({ type: MoneyDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => MoneyDto)
  prepaid?: MoneyDto;

  @ApiPropertyOptional({ description: "The partner system's id of this visit", maxLength: 100 })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  @IsNotBlank()
  externalId?: string;

  @ApiPropertyOptional({
    type: RecordConsentsDto,
    description:
      "Consent decisions the customer gave at reception, recorded in the customer's consent " +
      'ledger with the visit (needs customerId)',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => RecordConsentsDto)
  consents?: RecordConsentsDto;
}

export class UpdateVisitDto extends VisitFieldsDto {
  @OptionalId(
    'customerId',
    'customer',
    'The customer, when reception learns who it was (a walk-in identified later), or null; ' +
      "the visit's sales follow",
  )
  @Nullable()
  customerId?: string | null;

  @OptionalId(
    'vehicleId',
    'vehicle',
    "The vehicle that came, or null; a visit without a customer then gets the vehicle's default customer",
  )
  @Nullable()
  vehicleId?: string | null;

  @ApiPropertyOptional({
    enum: VISIT_STATUSES,
    description: 'booked → completed, cancelled or no_show',
  })
  @IsOptional()
  @IsIn(VISIT_STATUSES, { message: `status must be one of ${VISIT_STATUSES.join(', ')}` })
  status?: VisitStatus;

  @ApiPropertyOptional({
    maxLength: 200,
    nullable: true,
    description: 'Why the visit was cancelled: with status cancelled, or on a cancelled visit',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cancelReason?: string | null;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @Matches(ZONED_DATE_TIME, { message: 'scheduledAt must be a date-time with a zone' })
  @IsISO8601({ strict: true }, { message: 'scheduledAt must be a real date-time' })
  scheduledAt?: string;
}

/** A page of records in a time range: a visit's scheduled time, a sale's time of sale. */
export class TimeRangeQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'At or after (date or zoned date-time)' })
  @IsOptional()
  @Matches(DATE_OR_ZONED_DATE_TIME, { message: 'from must be a date or a date-time with a zone' })
  @IsISO8601({ strict: true }, { message: 'from must be a real date' })
  from?: string;

  @ApiPropertyOptional({ description: 'Before the end of (a date includes the day)' })
  @IsOptional()
  @Matches(DATE_OR_ZONED_DATE_TIME, { message: 'to must be a date or a date-time with a zone' })
  @IsISO8601({ strict: true }, { message: 'to must be a real date' })
  to?: string;
}

/** Visits scheduled in the range. */
export class VisitRangeQueryDto extends TimeRangeQueryDto {}

export class ListVisitsQueryDto extends VisitRangeQueryDto {
  @OptionalId('stationId', 'station')
  stationId?: string;

  @OptionalId('customerId', 'customer')
  customerId?: string;

  @OptionalId('vehicleId', 'vehicle')
  vehicleId?: string;

  @ApiPropertyOptional({ enum: VISIT_STATUSES })
  @IsOptional()
  @IsIn(VISIT_STATUSES, { message: `status must be one of ${VISIT_STATUSES.join(', ')}` })
  status?: VisitStatus;

  @ApiPropertyOptional({ enum: VISIT_CHANNELS, description: 'How the visit was booked' })
  @IsOptional()
  @IsIn(VISIT_CHANNELS, { message: `channel must be one of ${VISIT_CHANNELS.join(', ')}` })
  channel?: VisitChannel;
}

export class VisitView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) stationId: string;
  @ApiProperty({ nullable: true, type: String }) customerId: string | null;
  @ApiProperty({ nullable: true, type: String }) vehicleId: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: "The vehicle's registration plate as entered (as it is now)",
  })
  registration: string | null;
  @ApiProperty({ enum: VISIT_KINDS }) kind: VisitKind;
  @ApiProperty({ format: 'date-time' }) scheduledAt: string;
  @ApiProperty({ enum: VISIT_CHANNELS }) channel: VisitChannel;
  @ApiProperty({ nullable: true, type: String }) staffUserId: string | null;
  @ApiProperty({ enum: VISIT_STATUSES }) status: VisitStatus;
  @ApiProperty({ nullable: true, type: String, description: 'Why it was cancelled, when said' })
  cancelReason: string | null;
  @ApiProperty({ nullable: true, type: String }) notes: string | null;
  @ApiProperty({ nullable: true, type: String }) specialRequests: string | null;
  @ApiProperty({ nullable: true, type: MoneyDto }) prepaid: MoneyDto | null;
  @ApiProperty({ nullable: true, type: String }) partnerLink: string | null;
  @ApiProperty({ nullable: true, type: String }) externalId: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'partner:<name> for partner visits' })
  source: string | null;
  @ApiProperty() version: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class VisitPage {
  @ApiProperty({ type: [VisitView] }) items: VisitView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

/** The answer to a visit create: `replayed` when an Idempotency-Key repeated an earlier one. */
export interface CreatedVisitResult {
  visit: VisitView;
  replayed: boolean;
}
