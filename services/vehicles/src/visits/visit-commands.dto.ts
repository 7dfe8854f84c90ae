import { Type } from 'class-transformer';
import { IsDefined, IsObject, IsString, Length, ValidateNested } from 'class-validator';
import {
  CreateSaleDto,
  CreateVisitDto,
  UpdateVisitDto,
  VisitRangeQueryDto,
  type CustomerVisitsQuery,
  type UpdateVisitCommand,
} from '@kanta/contracts';
import { IsIdempotencyKey, RpcFieldRoot } from '@kanta/platform';
import { VersionedCommandDto } from '../vehicles/vehicle-commands.dto';

export class CreateVisitCommandDto {
  @RpcFieldRoot()
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => CreateVisitDto)
  visit: CreateVisitDto;

  @IsIdempotencyKey()
  idempotencyKey?: string;
}

export class UpdateVisitCommandDto extends VersionedCommandDto implements UpdateVisitCommand {
  @RpcFieldRoot()
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => UpdateVisitDto)
  patch: UpdateVisitDto;
}

export class CustomerVisitsQueryDto extends VisitRangeQueryDto implements CustomerVisitsQuery {
  @IsString()
  @Length(1, 100)
  customerId: string;
}

export class CreateSaleCommandDto {
  @RpcFieldRoot()
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => CreateSaleDto)
  sale: CreateSaleDto;
}
