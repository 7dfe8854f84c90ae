import { Type } from 'class-transformer';
import {
  IsDefined,
  IsInt,
  IsObject,
  IsString,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  CreateVehicleDto,
  LinkVehicleCustomerDto,
  PageQueryDto,
  UpdateVehicleDto,
  type CustomerPageQuery,
  type CustomerRecordsQuery,
  type GetByIdQuery,
  type LinkVehicleCommand,
  type UnlinkVehicleCommand,
  type UpdateVehicleCommand,
} from '@kanta/contracts';
import { RpcFieldRoot } from '@kanta/platform';

/*
 * The RPC data of each pattern as classes, so the RPC edge can validate them. The caller's body
 * is marked as the field root, so its field errors read as the caller sent them.
 */

export class CreateVehicleCommandDto {
  @RpcFieldRoot()
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => CreateVehicleDto)
  vehicle: CreateVehicleDto;
}

export class ByIdQueryDto implements GetByIdQuery {
  // Any string: an id that is not a UUID is simply not found.
  @IsString()
  @Length(1, 100)
  id: string;
}

/** An edit of a record read at `expectedVersion` (If-Match). */
export class VersionedCommandDto {
  @IsString()
  @Length(1, 100)
  id: string;

  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  expectedVersion: number;
}

export class UpdateVehicleCommandDto extends VersionedCommandDto implements UpdateVehicleCommand {
  @RpcFieldRoot()
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => UpdateVehicleDto)
  patch: UpdateVehicleDto;
}

export class LinkVehicleCommandDto implements LinkVehicleCommand {
  @IsString()
  @Length(1, 100)
  vehicleId: string;

  @RpcFieldRoot()
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => LinkVehicleCustomerDto)
  link: LinkVehicleCustomerDto;
}

export class UnlinkVehicleCommandDto implements UnlinkVehicleCommand {
  @IsString()
  @Length(1, 100)
  vehicleId: string;

  @IsString()
  @Length(1, 100)
  customerId: string;
}

export class CustomerRecordsQueryDto implements CustomerRecordsQuery {
  @IsString()
  @Length(1, 100)
  customerId: string;
}

export class CustomerPageQueryDto extends PageQueryDto implements CustomerPageQuery {
  @IsString()
  @Length(1, 100)
  customerId: string;
}
