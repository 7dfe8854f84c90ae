import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsNumber,
  IsOptional,
  IsUUID,
  Max,
  Min,
} from 'class-validator';
import { PageQueryDto } from '../page.dto';
import { ProblemDetails } from '../problem';

/**
 * Why two customers may be the same person or company. Exact business keys, or a close name
 * (trigram similarity) together with the same birthday or a shared postal code.
 */
export const DUPLICATE_REASONS = [
  'phone',
  'email',
  'externalId',
  'customerNumber',
  'nameAndBirthday',
  'nameAndPostalCode',
] as const;
export type DuplicateReason = (typeof DUPLICATE_REASONS)[number];

/** One existing customer that a new or changed customer may duplicate. */
export class DuplicateCandidate {
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty() customerNumber: string;
  @ApiProperty({ nullable: true, type: String, description: 'Full name or company name' })
  displayName: string | null;
  @ApiProperty({ enum: DUPLICATE_REASONS, isArray: true }) reasons: DuplicateReason[];
  @ApiProperty({ minimum: 0, maximum: 1, description: 'Sum of the reasons’ weights, capped at 1' })
  score: number;
}

/**
 * The 409 `possible-duplicate` problem that a create answers when it matches existing customers
 * and `allowDuplicate` was not set.
 */
export class PossibleDuplicateProblem extends ProblemDetails {
  @ApiProperty({ type: [DuplicateCandidate], description: 'The candidates the caller may see' })
  candidates: DuplicateCandidate[];
  @ApiProperty({ description: 'Candidates at stations the caller does not work at' })
  hiddenCandidates: number;
}

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

/** Query of `POST /customers`. */
export class CreateCustomerQueryDto {
  @ApiPropertyOptional({
    default: false,
    description:
      'true: create even when the customer matches existing ones (409 possible-duplicate otherwise)',
  })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'allowDuplicate must be true or false' })
  allowDuplicate?: boolean;
}

export class ListDuplicatesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: 'Only pairs scoring at least this' })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'minScore must be 0-1' })
  @Min(0, { message: 'minScore must be 0-1' })
  @Max(1, { message: 'minScore must be 0-1' })
  minScore?: number;
}

export class DuplicatePairCustomer {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() customerNumber: string;
  @ApiProperty({ nullable: true, type: String }) displayName: string | null;
}

export class DuplicatePairView {
  @ApiProperty({
    format: 'uuid',
    description: "The pair's id: POST /customers/duplicates/{pairId}/merge merges it",
  })
  id: string;
  @ApiProperty({ type: [DuplicatePairCustomer], description: 'Two customers, lower id first' })
  customers: DuplicatePairCustomer[];
  @ApiProperty({ enum: DUPLICATE_REASONS, isArray: true }) reasons: DuplicateReason[];
  @ApiProperty({ minimum: 0, maximum: 1 }) score: number;
  @ApiProperty({ format: 'date-time' }) foundAt: string;
}

/**
 * A suggested pair as a merge takes it: the customer that survives (the one created first) and
 * the duplicate merged into it.
 */
export interface DuplicatePairMerge {
  pairId: string;
  survivorId: string;
  duplicateId: string;
}

export class DuplicatePairPage {
  @ApiProperty({ type: [DuplicatePairView] }) items: DuplicatePairView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class DismissDuplicateDto {
  @ApiProperty({ type: [String], description: 'The two customers that are not duplicates' })
  @IsArray({ message: 'customerIds must be a list of two customer ids' })
  @ArrayMinSize(2, { message: 'customerIds must be a list of two customer ids' })
  @ArrayMaxSize(2, { message: 'customerIds must be a list of two customer ids' })
  @Transform(({ value }: { value: unknown }) =>
    Array.isArray(value)
      ? value.map((v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v))
      : value,
  )
  @IsUUID('all', { each: true, message: 'customerIds must be customer ids (UUIDs)' })
  customerIds: string[];
}

export class DismissedDuplicateView {
  @ApiProperty({ type: [String] }) customerIds: string[];
  @ApiProperty({ format: 'date-time' }) dismissedAt: string;
}

export const DUPLICATE_SCAN_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export type DuplicateScanStatus = (typeof DUPLICATE_SCAN_STATUSES)[number];

/** The tenant's full duplicate scan: one per tenant, the latest request. */
export class DuplicateScanView {
  @ApiProperty({ enum: DUPLICATE_SCAN_STATUSES }) status: DuplicateScanStatus;
  @ApiProperty({ minimum: 0, maximum: 100 }) progress: number;
  @ApiProperty({ format: 'date-time' }) requestedAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) startedAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) finishedAt: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Pairs suggested by the scan' })
  pairsFound: number | null;
}

/** RPC data of `customers.duplicates.dismiss`. */
export type DismissDuplicateCommand = DismissDuplicateDto;
