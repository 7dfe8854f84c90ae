import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { PageQueryDto } from '../page.dto';

/**
 * Retention: a tenant may have customers erased after `retentionYears` without a visit, a sale
 * or an edit of their card. Off (null) unless a superadmin sets it; 1–30 years.
 */
export const RETENTION_YEARS = { min: 1, max: 30 } as const;

/**
 * The user id retention's erasures are requested by (`requestedBy` on their receipts): no person
 * asked, the tenant's setting did. A fixed UUID that no user has (users' ids are UUIDv7).
 */
export const RETENTION_SYSTEM_USER_ID = '00000000-0000-4000-8000-00000000a7e1';

const YEARS_MESSAGE = `years must be a whole number from ${RETENTION_YEARS.min} to ${RETENTION_YEARS.max}`;

export class RetentionPreviewQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    minimum: RETENTION_YEARS.min,
    maximum: RETENTION_YEARS.max,
    description: "Years to try instead of the tenant's retentionYears",
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: YEARS_MESSAGE })
  @Min(RETENTION_YEARS.min, { message: YEARS_MESSAGE })
  @Max(RETENTION_YEARS.max, { message: YEARS_MESSAGE })
  years?: number;
}

/** A customer retention would erase: ids and the customer number only. */
export class RetentionCandidateView {
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ nullable: true, type: String }) customerNumber: string | null;
}

export class RetentionPreview {
  @ApiProperty({
    nullable: true,
    type: Number,
    description: "The years applied (the query's, else the tenant's); null: retention is off",
  })
  years: number | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'Customers whose last visit, sale or edit is before this would be erased',
  })
  cutoff: string | null;
  @ApiProperty({ description: 'How many customers would be erased' }) total: number;
  @ApiProperty({ type: [RetentionCandidateView] }) items: RetentionCandidateView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

/** One run of the retention sweep for one tenant: when, with which setting, what it erased. */
export class RetentionRunView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() years: number;
  @ApiProperty({ format: 'date-time' }) cutoff: string;
  @ApiProperty({ format: 'date-time' }) startedAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) finishedAt: string | null;
  @ApiProperty({ description: 'Customers whose erasure this run began' }) erased: number;
  @ApiProperty({
    type: [String],
    description: 'Their erasures (GET /privacy/erasures/{id}, reason retention)',
  })
  erasureIds: string[];
}

export class RetentionRunPage {
  @ApiProperty({ type: [RetentionRunView] }) items: RetentionRunView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
