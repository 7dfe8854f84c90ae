import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Length } from 'class-validator';

/**
 * Why a customer is erased: the grounds of GDPR Art. 17(1), as a code. The request is stored and
 * shown on the receipt, so it is a code rather than free text: a free-text reason is where a
 * name or a phone number would end up ("Matti called on 040…").
 */
export const ERASURE_REASONS = [
  'customer_request',
  'no_longer_needed',
  'consent_withdrawn',
  'objection',
  'unlawful_processing',
  'legal_obligation',
  'deletion_request',
  'retention',
] as const;
export type ErasureReason = (typeof ERASURE_REASONS)[number];

/** Reasons a user may give; `deletion_request` and `retention` are the system's own. */
export const USER_ERASURE_REASONS = ERASURE_REASONS.filter(
  (r) => r !== 'deletion_request' && r !== 'retention',
);

/**
 * The services that hold something of a customer and erase it in their own schema. The privacy
 * service waits for each one's answer before the erasure is complete.
 */
export const ERASURE_PARTICIPANTS = [
  'customers',
  'vehicles',
  'consents',
  'gateway',
  'reporting',
] as const;
export type ErasureParticipant = (typeof ERASURE_PARTICIPANTS)[number];

export class EraseCustomerDto {
  @ApiProperty({
    enum: USER_ERASURE_REASONS,
    description: 'The ground of the erasure (GDPR Art. 17(1))',
  })
  @IsIn(USER_ERASURE_REASONS, {
    message: `reason must be one of ${USER_ERASURE_REASONS.join(', ')}`,
  })
  reason: ErasureReason;

  @ApiProperty({
    description:
      "The customer's number as the card shows it: a mistyped id then cannot erase someone else. " +
      'Checked, never stored.',
    minLength: 1,
    maxLength: 50,
  })
  @IsString()
  @Length(1, 50, { message: 'confirmCustomerNumber must be 1 to 50 characters' })
  confirmCustomerNumber: string;
}

export const ERASURE_STATUSES = ['pending', 'completed'] as const;
export type ErasureStatus = (typeof ERASURE_STATUSES)[number];

/** One participant's confirmation on the receipt: when, and how many of what (never values). */
export class ErasureConfirmationView {
  @ApiProperty({ enum: ERASURE_PARTICIPANTS }) service: ErasureParticipant;
  @ApiProperty({ enum: ['pending', 'completed'] }) status: 'pending' | 'completed';
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) completedAt: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'What the service cleared or removed, by kind: e.g. {"visits": 12}',
  })
  counts: Record<string, number>;
}

/** The erasure receipt: who asked when, and each service's confirmation. No personal data. */
export class ErasureView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ enum: ERASURE_REASONS }) reason: ErasureReason;
  @ApiProperty({ enum: ERASURE_STATUSES }) status: ErasureStatus;
  @ApiProperty({ format: 'uuid', description: 'The user who asked' }) requestedBy: string;
  @ApiProperty({ format: 'date-time' }) requestedAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) completedAt: string | null;
  @ApiProperty({ type: [ErasureConfirmationView] }) confirmations: ErasureConfirmationView[];
}
