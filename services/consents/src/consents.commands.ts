import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsDefined,
  IsIn,
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
  CONTACT_CHANNELS,
  CONTACT_PURPOSES,
  CommunicationPreferencesDto,
  PublishConsentTextDto,
  RecordConsentsDto,
  RefreshConsentsDto,
  type ContactChannel,
  type ContactPurpose,
  type ContactabilityQuery,
  type CustomerConsentsQuery,
  type CustomerPreferencesQuery,
  type GetConsentTextQuery,
  type PublishConsentTextCommand,
  type RecordConsentsCommand,
  type RefreshConsentsCommand,
  type SetPreferencesCommand,
  type ValidateConsentsCommand,
} from '@kanta/contracts';
import { RpcFieldRoot } from '@kanta/platform';

/*
 * The RPC data of each consents pattern as classes, so the RPC edge validates them. The
 * caller's body is marked as the field root, so its field errors read as the caller sent them.
 */

class CustomerRef {
  // Any string: an id that is not a UUID is simply not found.
  @IsString()
  @Length(1, 100)
  customerId: string;
}

export class PublishConsentTextCommandDto implements PublishConsentTextCommand {
  @RpcFieldRoot()
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => PublishConsentTextDto)
  text: PublishConsentTextDto;
}

export class GetConsentTextQueryDto implements GetConsentTextQuery {
  @IsString()
  @Length(1, 100)
  id: string;
}

export class CustomerConsentsQueryCommandDto extends CustomerRef implements CustomerConsentsQuery {
  @IsOptional()
  @IsBoolean()
  history?: boolean;
}

export class RecordConsentsCommandDto extends CustomerRef implements RecordConsentsCommand {
  @RpcFieldRoot()
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => RecordConsentsDto)
  consents: RecordConsentsDto;
}

export class RefreshConsentsCommandDto extends CustomerRef implements RefreshConsentsCommand {
  @RpcFieldRoot()
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => RefreshConsentsDto)
  refresh: RefreshConsentsDto;
}

export class ValidateConsentsCommandDto implements ValidateConsentsCommand {
  @RpcFieldRoot()
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => RecordConsentsDto)
  consents: RecordConsentsDto;
}

export class CustomerPreferencesQueryDto extends CustomerRef implements CustomerPreferencesQuery {}

export class SetPreferencesCommandDto extends CustomerRef implements SetPreferencesCommand {
  @RpcFieldRoot()
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => CommunicationPreferencesDto)
  preferences: CommunicationPreferencesDto;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2_147_483_647)
  expectedVersion?: number;
}

export class ContactabilityQueryCommandDto extends CustomerRef implements ContactabilityQuery {
  @IsIn(CONTACT_PURPOSES)
  purpose: ContactPurpose;

  @IsIn(CONTACT_CHANNELS)
  channel: ContactChannel;
}
