import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { ROLES, type Role } from '../context';
import { PageQueryDto } from '../page.dto';

/*
 * The access audit (issue #14): who viewed, searched into, edited, erased, merged, exported or
 * handed over which customer. An entry is ids, a code and times: never a value of the person, so
 * an erased customer's entries stay as they are.
 */

/**
 * What a user did with the customers of an entry: `view` (the card), `search` (the customers a
 * list or search answered with), `edit`, `erase`, `merge`, `export`, `handover` (the data
 * hand-over to the person).
 */
export const ACCESS_ACTIONS = [
  'view',
  'search',
  'edit',
  'erase',
  'merge',
  'export',
  'handover',
] as const;
export type AccessAction = (typeof ACCESS_ACTIONS)[number];

/** The most customers one entry names: a page of a list is at most 100. */
export const ACCESS_ENTRY_MAX_CUSTOMERS = 100;

const lowerCase = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.toLowerCase() : value;

/** `GET /audit` and `GET /customers/{id}/access-log`: newest first, every filter optional. */
export class ListAccessLogQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only what this user did' })
  @IsOptional()
  @Transform(lowerCase)
  @IsUUID('all', { message: 'userId must be a user id' })
  userId?: string;

  @ApiPropertyOptional({ enum: ACCESS_ACTIONS, description: 'Only this action' })
  @IsOptional()
  @IsIn(ACCESS_ACTIONS, { message: `action must be one of ${ACCESS_ACTIONS.join(', ')}` })
  action?: AccessAction;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only entries at or after this time' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be a date and time (ISO 8601)' })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only entries before this time' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be a date and time (ISO 8601)' })
  to?: string;
}

export class AccessEntryView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time', description: 'When the gateway answered the request' })
  at: string;
  @ApiProperty({ enum: ACCESS_ACTIONS }) action: AccessAction;
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty({
    enum: ROLES,
    nullable: true,
    description: 'null when the system acted for the user (a deletion request falling due)',
  })
  role: Role | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'The station the user was working at',
  })
  stationId: string | null;
  @ApiProperty({
    type: [String],
    description: 'The customers concerned: one for a card, those answered for a search',
  })
  customerIds: string[];
  @ApiProperty({ nullable: true, type: String, description: 'The request id (X-Request-Id)' })
  correlationId: string | null;
}

export class AccessLogPage {
  @ApiProperty({ type: [AccessEntryView] }) items: AccessEntryView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

/** The RPC data of both lists: the filters, and the customer for a customer's access log. */
export class AccessLogQuery extends ListAccessLogQueryDto {
  @IsOptional()
  @IsString()
  @Length(1, 100)
  customerId?: string;
}
