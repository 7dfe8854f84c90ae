import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../page.dto';

/** How the customer asked to be deleted (Timma's "Poistopyyntö"): recorded with the request. */
export const DELETION_CHANNELS = ['reception', 'phone', 'email', 'self_service'] as const;
export type DeletionChannel = (typeof DELETION_CHANNELS)[number];

export const DELETION_STATUSES = ['pending', 'done', 'cancelled'] as const;
export type DeletionStatus = (typeof DELETION_STATUSES)[number];

/** A tenant's grace period before a deletion request's erasure: 0–365 days, default 30. */
export const DELETION_GRACE_DAYS = { min: 0, max: 365, default: 30 } as const;

export class RequestDeletionDto {
  @ApiProperty({ enum: DELETION_CHANNELS, description: 'How the customer asked' })
  @IsIn(DELETION_CHANNELS, { message: `channel must be one of ${DELETION_CHANNELS.join(', ')}` })
  channel: DeletionChannel;
}

export class ListDeletionRequestsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: DELETION_STATUSES, description: 'Only requests of this status' })
  @IsOptional()
  @IsIn(DELETION_STATUSES, { message: `status must be one of ${DELETION_STATUSES.join(', ')}` })
  status?: DeletionStatus;
}

export class DeletionRequestView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ enum: DELETION_STATUSES }) status: DeletionStatus;
  @ApiProperty({ enum: DELETION_CHANNELS }) channel: DeletionChannel;
  @ApiProperty({ format: 'uuid', description: 'The user who recorded it' }) requestedBy: string;
  @ApiProperty({ format: 'date-time' }) requestedAt: string;
  @ApiProperty({ format: 'date-time', description: 'When the erasure runs unless cancelled' })
  dueAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) cancelledAt: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) cancelledBy: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'The erasure it became (GET /privacy/erasures/{id})',
  })
  erasureId: string | null;
}

export class DeletionRequestPage {
  @ApiProperty({ type: [DeletionRequestView] }) items: DeletionRequestView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
