import { PageQueryDto } from '../page.dto';
import { OptionalId } from './fields';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateBy,
  type ValidationOptions,
} from 'class-validator';
import {
  MIN_VEHICLE_YEAR,
  REGISTRATION_PATTERN,
  VIN_PATTERN,
  ZONED_DATE_TIME,
  maxVehicleYear,
  normaliseVin,
} from './rules';

export const VEHICLE_ROLES = ['owner', 'proxy'] as const;
export type VehicleRole = (typeof VEHICLE_ROLES)[number];

const lowerCaseId = (value: unknown): unknown =>
  typeof value === 'string' ? value.toLowerCase() : value;

/** A model year from 1900 to next year, checked when validated (not when the process started). */
function IsVehicleYear(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      // Reported as `out_of_range`, as the partner events say of the same rule.
      name: 'outOfRange',
      validator: {
        validate: (value: unknown) =>
          typeof value !== 'number' || (value >= MIN_VEHICLE_YEAR && value <= maxVehicleYear()),
        defaultMessage: () => `year must be ${MIN_VEHICLE_YEAR}-${maxVehicleYear()}`,
      },
    },
    options,
  );
}

export class VehicleFieldsDto {
  @ApiPropertyOptional({ example: 'make', maxLength: 60, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(60)
  make?: string | null;

  @ApiPropertyOptional({ maxLength: 60, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(60)
  model?: string | null;

  @ApiPropertyOptional({
    minimum: MIN_VEHICLE_YEAR,
    description: 'Up to next year',
    nullable: true,
  })
  @IsOptional()
  @IsInt({ message: 'year must be a whole number' })
  @IsVehicleYear()
  year?: number | null;

  @ApiPropertyOptional({
    description: '17 characters without I, O or Q; spaces, hyphens and case are ignored',
    nullable: true,
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? normaliseVin(value) : value,
  )
  @IsString()
  @Matches(VIN_PATTERN, {
    message: 'vin must be 17 letters and digits without I, O or Q',
  })
  vin?: string | null;

  @ApiPropertyOptional({ format: 'date-time', nullable: true })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'lastSeenAt must be a date-time' })
  @Matches(ZONED_DATE_TIME, { message: 'lastSeenAt must be a date-time with a zone' })
  lastSeenAt?: string | null;
}

export class CreateVehicleDto extends VehicleFieldsDto {
  @ApiProperty({ example: 'TST-001', description: 'As written on the plate; compared normalised' })
  @IsString()
  @Matches(REGISTRATION_PATTERN, {
    message: 'registration must be 1-20 letters and digits, with single spaces or hyphens between',
  })
  @IsDefined({ message: 'registration is required' })
  registration: string;
}

export class UpdateVehicleDto extends VehicleFieldsDto {
  @ApiPropertyOptional({ example: 'TST-001' })
  @IsOptional()
  @IsString()
  @Matches(REGISTRATION_PATTERN, {
    message: 'registration must be 1-20 letters and digits, with single spaces or hyphens between',
  })
  registration?: string;
}

export class LinkVehicleCustomerDto {
  @ApiProperty({ format: 'uuid' })
  @Transform(({ value }: { value: unknown }) => lowerCaseId(value))
  @IsUUID('all', { message: 'customerId must be a customer id (UUID)' })
  @IsDefined({ message: 'customerId is required' })
  customerId: string;

  @ApiProperty({
    enum: VEHICLE_ROLES,
    description: 'owner, or proxy: a trusted person who brings it',
  })
  @IsIn(VEHICLE_ROLES, { message: `role must be one of ${VEHICLE_ROLES.join(', ')}` })
  @IsDefined({ message: 'role is required' })
  role: VehicleRole;

  @ApiPropertyOptional({ description: 'The customer reception gets when the vehicle arrives' })
  @IsOptional()
  @IsBoolean({ message: 'isDefault must be true or false' })
  isDefault?: boolean;
}

export class SearchVehiclesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'A plate or VIN, or its beginning, typed any way (case, spaces, hyphens ignored)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  q?: string;

  @OptionalId('customerId', 'customer', 'Vehicles linked to this customer')
  customerId?: string;
}

export class VehicleLinkView {
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ enum: VEHICLE_ROLES }) role: VehicleRole;
  @ApiProperty() isDefault: boolean;
  @ApiProperty({ format: 'date-time' }) linkedAt: string;
}

export class VehicleView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'As entered' }) registration: string;
  @ApiProperty({ description: 'Upper case, without spaces or hyphens' })
  registrationNormalized: string;
  @ApiProperty({ nullable: true, type: String }) make: string | null;
  @ApiProperty({ nullable: true, type: String }) model: string | null;
  @ApiProperty({ nullable: true, type: Number }) year: number | null;
  @ApiProperty({ nullable: true, type: String }) vin: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastSeenAt: string | null;
  @ApiProperty({ type: [VehicleLinkView] }) customers: VehicleLinkView[];
  @ApiProperty({ description: 'Optimistic-concurrency version; also the ETag' }) version: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class VehiclePage {
  @ApiProperty({ type: [VehicleView] }) items: VehicleView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
