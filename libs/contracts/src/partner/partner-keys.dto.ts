import { ZONED_DATE_TIME } from '../vehicles/rules';
import { PageQueryDto } from '../page.dto';
import { PARTNER_EVENT_TYPES } from './events';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsDefined,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';

export class CreatePartnerKeyDto {
  @ApiProperty({
    example: 'booking-portal',
    description: 'The partner system; stamped on its events as producer partner:<name>',
  })
  @Matches(/^[a-z][a-z0-9-]{1,39}$/, {
    message: 'partner must be 2-40 lower-case letters, digits or hyphens, e.g. booking-portal',
  })
  partner: string;

  @ApiPropertyOptional({ maxLength: 100, description: 'What the key is for' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  label?: string;
}

export class PartnerKeyView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() partner: string;
  @ApiProperty({ nullable: true, type: String }) label: string | null;
  @ApiProperty({ description: 'The first characters of the key, to recognise it' }) prefix: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastUsedAt: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) revokedAt: string | null;
}

export class CreatedPartnerKeyView extends PartnerKeyView {
  @ApiProperty({ description: 'The key itself: shown this once, stored only as a hash' })
  key: string;
}

export class PartnerKeyPage {
  @ApiProperty({ type: [PartnerKeyView] }) items: PartnerKeyView[];
}

/** What a partner POSTs: the event's type and payload; the gateway fills in the envelope. */
export class PartnerEventDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Your id of this event; send the same id again when retrying and it counts once',
  })
  @IsOptional()
  @IsUUID('all', { message: 'eventId must be a UUID' })
  eventId?: string;

  @ApiProperty({ enum: PARTNER_EVENT_TYPES, example: 'partner.booking.created.v1' })
  @IsString()
  @Length(1, 100)
  type: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description:
      'When it happened, with a zone; default now; at most a day ahead (422 too_far_ahead)',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'occurredAt must be a date-time' })
  @Matches(ZONED_DATE_TIME, { message: 'occurredAt must be a date-time with a zone' })
  occurredAt?: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Validated against the JSON Schema of the type (GET /partner/schemas/{type})',
  })
  @IsDefined()
  @IsObject({ message: 'payload must be an object' })
  payload: Record<string, unknown>;
}

export class AcceptedPartnerEventView {
  @ApiProperty({ format: 'uuid' }) eventId: string;
  @ApiProperty() type: string;
  @ApiProperty({ description: 'true when this event id had been accepted before' })
  duplicate: boolean;
}

export class RejectedPartnerEventView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ nullable: true, type: String }) eventId: string | null;
  @ApiProperty({ nullable: true, type: String }) type: string | null;
  @ApiProperty({ nullable: true, type: String }) producer: string | null;
  @ApiProperty({ description: 'Why it was refused: paths and rules, never values' }) reason: string;
  @ApiProperty({ format: 'date-time' }) receivedAt: string;
  @ApiProperty({
    nullable: true,
    type: 'object',
    additionalProperties: true,
    description: 'Personal fields replaced',
  })
  payload: unknown;
}

export class RejectedPartnerEventPage {
  @ApiProperty({ type: [RejectedPartnerEventView] }) items: RejectedPartnerEventView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class RejectedEventsQueryDto extends PageQueryDto {}

/** A partner event type and where the JSON Schema of its payload is. */
export class PartnerEventTypeView {
  @ApiProperty({ enum: PARTNER_EVENT_TYPES }) type: string;
  @ApiProperty({ example: '/api/v1/partner/schemas/partner.booking.created.v1' }) schema: string;
}

export class PartnerEventTypeList {
  @ApiProperty({ type: [PartnerEventTypeView] }) items: PartnerEventTypeView[];
}
