import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { answers, rpcOperationsOf, type RpcService } from './rpc';
import { TimeRangeQueryDto } from './vehicles/visit.dto';

/**
 * Why a message is a dead letter: a consumer's handler kept failing (`handler-failed`) or the
 * message was refused as invalid (`invalid-message`); no queue was bound for its type
 * (`unroutable`, kept by the gateway); the relay could not publish the outbox row
 * (`unpublishable`: refused by the broker, or by the client, attempt after attempt).
 */
export const DEAD_LETTER_REASONS = [
  'handler-failed',
  'invalid-message',
  'unroutable',
  'unpublishable',
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** Where dead letters are kept: each service in its own schema. */
export const DEAD_LETTER_SERVICES = [
  'gateway',
  'customers',
  'consents',
  'vehicles',
  'privacy',
  'reporting',
] as const;
export type DeadLetterService = (typeof DEAD_LETTER_SERVICES)[number];

export class DeadLetterQueryDto extends TimeRangeQueryDto {
  @ApiPropertyOptional({ enum: DEAD_LETTER_SERVICES, description: 'The service that kept it' })
  @IsOptional()
  @IsIn(DEAD_LETTER_SERVICES, {
    message: `service must be one of ${DEAD_LETTER_SERVICES.join(', ')}`,
  })
  service?: DeadLetterService;

  @ApiPropertyOptional({ description: 'The event type, e.g. partner.booking.created.v1' })
  @IsOptional()
  @IsString()
  @Length(1, 200, { message: 'type must be 1 to 200 characters' })
  type?: string;

  @ApiPropertyOptional({ enum: DEAD_LETTER_REASONS })
  @IsOptional()
  @IsIn(DEAD_LETTER_REASONS, { message: `reason must be one of ${DEAD_LETTER_REASONS.join(', ')}` })
  reason?: DeadLetterReason;

  @ApiPropertyOptional({ format: 'uuid', description: "One tenant's (superadmin only)" })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  )
  @IsUUID('all', { message: 'tenantId must be a tenant id (UUID)' })
  tenantId?: string;
}

export class DeadLetterView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: DEAD_LETTER_SERVICES, type: String }) service: string;
  @ApiProperty({
    description: 'The consumer that gave up (a service), or "unroutable" / "outbox-relay"',
  })
  consumer: string;
  @ApiProperty({ enum: DEAD_LETTER_REASONS }) reason: DeadLetterReason;
  @ApiProperty({ description: 'The last failure: paths, rules and error names, never values' })
  lastError: string;
  @ApiProperty({ description: 'Failed attempts before it was given up' }) attempts: number;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) tenantId: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) eventId: string | null;
  @ApiProperty({ nullable: true, type: String }) type: string | null;
  @ApiProperty() routingKey: string;
  @ApiProperty({ format: 'date-time', description: 'When it was given up (the last time)' })
  deadAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) replayedAt: string | null;
  @ApiProperty({ description: 'Times replayed' }) replays: number;
}

export class DeadLetterDetail extends DeadLetterView {
  @ApiProperty({
    nullable: true,
    type: Object,
    additionalProperties: true,
    description:
      "The message's envelope; for the superadmin its payload has every field but references, " +
      'times, kinds and amounts replaced. Null when the body is not a JSON object.',
  })
  envelope: Record<string, unknown> | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The body as text when it is not a JSON object (not shown to the superadmin)',
  })
  body: string | null;
}

export class DeadLetterPage {
  @ApiProperty({ type: [DeadLetterView] }) items: DeadLetterView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

/** The id of a dead letter, in RPC requests about one. */
export class DeadLetterId {
  @IsUUID('all', { message: 'id must be a dead letter id (UUID)' })
  id: string;
}

/** What a purge answers. */
export interface DeadLetterPurged {
  purged: true;
}

/**
 * The operations every service offers about the dead letters kept in its schema (the gateway
 * keeps its own): a page, one, a replay and a purge. A replay and a purge are writes, run once.
 */
export function deadLetterOperationsOf(service: RpcService) {
  const { query, write } = rpcOperationsOf(service);
  return {
    list: query(`${service}.dead-letter.list`, DeadLetterQueryDto, answers<DeadLetterPage>()),
    get: query(`${service}.dead-letter.get`, DeadLetterId, answers<DeadLetterDetail>()),
    replay: write(`${service}.dead-letter.replay`, DeadLetterId, answers<DeadLetterView>()),
    purge: write(`${service}.dead-letter.purge`, DeadLetterId, answers<DeadLetterPurged>()),
  };
}
