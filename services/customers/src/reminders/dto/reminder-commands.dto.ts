import { PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  CreateReminderDto,
  ListRemindersQueryDto,
  UpdateReminderDto,
  type CreateReminderCommand,
  type DeleteReminderCommand,
  type GetReminderQuery,
  type ListRemindersQuery,
  type ReminderAssignee,
  type UpdateReminderCommand,
} from '@kanta/contracts';
import { RpcFieldRoot } from '@kanta/platform';

/*
 * The RPC data of the reminder patterns as classes for the RPC edge. The gateway has resolved
 * `me` and checked the assignee; the caller's body is the field root, so its field errors read
 * as the caller sent them.
 */

export class ReminderAssigneeDto implements ReminderAssignee {
  @IsUUID('all')
  userId: string;

  /** null (or absent): an admin, who sees the whole tenant. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  stationIds: string[] | null;
}

class ReminderBodyDto extends PickType(CreateReminderDto, ['dueAt', 'comment'] as const) {}

class ReminderPatchDto extends PickType(UpdateReminderDto, ['dueAt', 'comment', 'done'] as const) {}

export class CreateReminderCommandDto implements CreateReminderCommand {
  // Any string: an id that is not a UUID is simply not found.
  @IsString()
  @Length(1, 100)
  customerId: string;

  @RpcFieldRoot()
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ReminderBodyDto)
  reminder: ReminderBodyDto;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ReminderAssigneeDto)
  assignee: ReminderAssigneeDto;
}

export class ListRemindersQueryCommandDto
  extends PickType(ListRemindersQueryDto, ['status', 'limit', 'cursor'] as const)
  implements ListRemindersQuery
{
  @IsOptional()
  @IsUUID('all')
  assigneeUserId?: string;

  // Any string: an id that is not a UUID is simply not found.
  @IsOptional()
  @IsString()
  @Length(1, 100)
  customerId?: string;
}

export class ReminderIdDto implements GetReminderQuery, DeleteReminderCommand {
  @IsString()
  @Length(1, 100)
  id: string;
}

export class UpdateReminderCommandDto implements UpdateReminderCommand {
  @IsString()
  @Length(1, 100)
  id: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  expectedVersion?: number;

  @RpcFieldRoot()
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ReminderPatchDto)
  patch: ReminderPatchDto;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ReminderAssigneeDto)
  assignee?: ReminderAssigneeDto;
}
