import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsDefined,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  CreateCustomerDto,
  UpdateCustomerDto,
  type CreateCustomerCommand,
  type GroupMembershipCommand,
  type GetCustomerQuery,
  type UpdateCustomerCommand,
} from '@kanta/contracts';
import { IsIdempotencyKey, RpcFieldRoot } from '@kanta/platform';

/*
 * The RPC data of each pattern as classes, so the RPC edge can validate them. The caller's body
 * is marked as the field root, so its field errors read as the caller sent them.
 */

export class CreateCustomerCommandDto implements CreateCustomerCommand {
  @RpcFieldRoot()
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => CreateCustomerDto)
  customer: CreateCustomerDto;

  @IsIdempotencyKey()
  idempotencyKey?: string;

  @IsOptional()
  @IsBoolean({ message: 'allowDuplicate must be true or false' })
  allowDuplicate?: boolean;
}

export class GetCustomerQueryDto implements GetCustomerQuery {
  // Any string: an id that is not a UUID is simply not found.
  @IsString()
  @Length(1, 100)
  id: string;
}

export class GroupMembershipCommandDto implements GroupMembershipCommand {
  @IsString()
  @Length(1, 100)
  customerId: string;

  @IsString()
  @Length(1, 100)
  groupId: string;

  @IsBoolean()
  member: boolean;
}

export class UpdateCustomerCommandDto implements UpdateCustomerCommand {
  @IsString()
  @Length(1, 100)
  id: string;

  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  expectedVersion: number;

  @RpcFieldRoot()
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => UpdateCustomerDto)
  patch: UpdateCustomerDto;
}
