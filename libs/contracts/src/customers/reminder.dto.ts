import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsDefined,
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
  ValidateIf,
} from 'class-validator';
import { IsNotBlank, MultiLineText } from '../text';
import { ME_OR_UUID } from '../uuid';

/**
 * A date-time with a zone (`2026-12-01T09:00:00Z`, `…+02:00`), or without one
 * (`2026-12-01T09:00`), which is read in the tenant's time zone. Dates alone, week and ordinal
 * forms are not accepted: a reminder is for a moment.
 */
const DUE_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/;
const DUE_AT_MESSAGE =
  'dueAt must be a date-time such as 2026-12-01T09:00 (in the tenant’s time zone) or 2026-12-01T09:00:00Z';

export const REMINDER_COMMENT_MAX = 1000;

/** What the API shows: `due` includes a scheduled reminder whose time has come (its job may lag). */
export const REMINDER_STATUSES = ['upcoming', 'due', 'done'] as const;
export type ReminderStatus = (typeof REMINDER_STATUSES)[number];

/** May be left out, but not sent as null: nothing about a reminder can be cleared. */
const Omissible = (): PropertyDecorator => ValidateIf((_object, value) => value !== undefined);

function IsDueAt(): PropertyDecorator {
  return (target, property) => {
    Matches(DUE_AT, { message: DUE_AT_MESSAGE })(target, property);
    IsISO8601({ strict: true }, { message: 'dueAt must be a real date and time' })(
      target,
      property,
    );
  };
}

export class CreateReminderDto {
  @ApiProperty({
    example: '2026-12-01T09:00',
    description:
      'When the reminder falls due: with a zone (2026-12-01T09:00:00Z, 2026-12-01T09:00+02:00) or ' +
      "without one, read in the tenant's time zone. Not more than 5 minutes in the past, not more than 5 years ahead.",
  })
  @IsDefined()
  @IsString()
  @IsDueAt()
  dueAt: string;

  @ApiPropertyOptional({
    example: 'me',
    description: 'Whom the reminder is for: `me` or the id of a user of your tenant; default `me`',
  })
  @Omissible()
  @IsString()
  @Matches(ME_OR_UUID, { message: 'assigneeUserId must be me or a user id' })
  assigneeUserId?: string;

  @ApiProperty({ example: 'Call about the maintenance', maxLength: REMINDER_COMMENT_MAX })
  @IsDefined()
  @IsString()
  @IsNotBlank()
  @MaxLength(REMINDER_COMMENT_MAX)
  @MultiLineText()
  comment: string;
}

/** Every field optional, at least one present. A new `dueAt` reschedules (back to upcoming). */
export class UpdateReminderDto {
  @ApiPropertyOptional({ example: '2026-12-02T09:00', description: 'Reschedules the reminder' })
  @Omissible()
  @IsString()
  @IsDueAt()
  dueAt?: string;

  @ApiPropertyOptional({ maxLength: REMINDER_COMMENT_MAX })
  @Omissible()
  @IsString()
  @IsNotBlank()
  @MaxLength(REMINDER_COMMENT_MAX)
  @MultiLineText()
  comment?: string;

  @ApiPropertyOptional({ example: 'me', description: '`me` or the id of a user of your tenant' })
  @Omissible()
  @IsString()
  @Matches(ME_OR_UUID, { message: 'assigneeUserId must be me or a user id' })
  assigneeUserId?: string;

  @ApiPropertyOptional({ description: 'true marks it done; false opens it again' })
  @Omissible()
  @IsBoolean({ message: 'done must be true or false' })
  done?: boolean;
}

export class ReminderPageQueryDto {
  @ApiPropertyOptional({ enum: REMINDER_STATUSES, description: 'Default: every status' })
  @IsOptional()
  @IsIn(REMINDER_STATUSES, { message: 'status must be one of due, upcoming, done' })
  status?: ReminderStatus;

  @ApiPropertyOptional({ example: 'me', description: '`me` or a user id of your tenant' })
  @IsOptional()
  @IsString()
  @Matches(ME_OR_UUID, { message: 'assignee must be me or a user id' })
  assignee?: string;

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

export class ListRemindersQueryDto extends ReminderPageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only this customer’s reminders' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  )
  @IsUUID('all', { message: 'customerId must be a customer id' })
  customerId?: string;
}

export class ReminderView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ format: 'uuid' }) assigneeUserId: string;
  @ApiProperty({ format: 'date-time', example: '2026-12-01T07:00:00.000Z', description: 'UTC' })
  dueAt: string;
  @ApiProperty({
    example: '2026-12-01T09:00:00+02:00',
    description: "dueAt in the tenant's time zone, with its offset",
  })
  dueAtLocal: string;
  @ApiProperty({ example: 'Europe/Helsinki' }) timeZone: string;
  @ApiProperty() comment: string;
  @ApiProperty({ enum: REMINDER_STATUSES }) status: ReminderStatus;
  @ApiProperty({ format: 'uuid' }) createdBy: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) becameDueAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) doneAt: string | null;
  @ApiProperty({ description: 'Optimistic-concurrency version; also the ETag' }) version: number;
}

/**
 * What a reminder delete answers: whose reminder it was, for the gateway's access audit (null
 * only for a repeat of a delete made before deletes answered it).
 */
export interface DeletedReminder {
  customerId: string | null;
}

export class ReminderPage {
  @ApiProperty({ type: [ReminderView] }) items: ReminderView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
