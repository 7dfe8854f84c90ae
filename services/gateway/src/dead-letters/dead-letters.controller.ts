import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  type PipeTransform,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import {
  DEAD_LETTER_SERVICES,
  DeadLetterDetail,
  DeadLetterPage,
  DeadLetterQueryDto,
  DeadLetterView,
  type DeadLetterService,
} from '@kanta/contracts';
import { ProblemError } from '@kanta/platform';
import { CurrentCaller, Roles, type Caller } from '../auth/auth.decorators';
import { UuidParam } from '../http/uuid-param';
import { DeadLettersGateway } from './dead-letters.service';
import { IdempotencyKey } from '../http/idempotency-key';

/** A service that keeps no dead letters has none to find: 404, as an unknown id. */
class KnownService implements PipeTransform<string, DeadLetterService> {
  transform(value: string): DeadLetterService {
    if (!(DEAD_LETTER_SERVICES as readonly string[]).includes(value)) {
      throw ProblemError.notFound('Dead letter', `${value} keeps no dead letters`);
    }
    return value as DeadLetterService;
  }
}

const serviceParam = ApiParam({ name: 'service', enum: DEAD_LETTER_SERVICES });

@ApiTags('dead-letters')
@ApiBearerAuth()
@Roles('admin', 'superadmin')
@Controller('dead-letters')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersGateway) {}

  @Get()
  @ApiOperation({
    summary: 'Messages the system gave up on, newest first (admin: your tenant; superadmin: all)',
    description:
      'Events a consumer failed to handle (handler-failed) or refused (invalid-message), events ' +
      'no service is bound for (unroutable, e.g. an unknown version) and events that could not be ' +
      'published (unpublishable), with the reason and attempts. Filter by service, type, reason ' +
      'and time (from inclusive; to a date includes its day); pass nextCursor as cursor.',
  })
  @ApiOkResponse({ type: DeadLetterPage })
  list(
    @CurrentCaller() caller: Caller,
    @Query() query: DeadLetterQueryDto,
  ): Promise<DeadLetterPage> {
    return this.deadLetters.list(caller, query);
  }

  @Get(':service/:id')
  @serviceParam
  @ApiOperation({
    summary: 'One dead letter with its envelope (the superadmin sees no personal field)',
  })
  @ApiOkResponse({ type: DeadLetterDetail })
  get(
    @CurrentCaller() caller: Caller,
    @Param('service', new KnownService()) service: DeadLetterService,
    @UuidParam('Dead letter') id: string,
  ): Promise<DeadLetterDetail> {
    return this.deadLetters.get(caller, service, id);
  }

  @Post(':service/:id/replay')
  @HttpCode(200)
  @serviceParam
  @ApiOperation({
    summary: 'Send a dead letter again, after a fix, as a fresh start',
    description:
      "A consumer's dead letter goes to that consumer only and stays listed (replayedAt) until " +
      'it has been handled; replaying it twice has the effect once. An unroutable one is ' +
      'published to the events exchange again, an unpublishable one goes back to the outbox: ' +
      'both leave the list at once and come back if they fail again.',
  })
  @ApiOkResponse({ type: DeadLetterView })
  @IdempotencyKey()
  replay(
    @CurrentCaller() caller: Caller,
    @Param('service', new KnownService()) service: DeadLetterService,
    @UuidParam('Dead letter') id: string,
  ): Promise<DeadLetterView> {
    return this.deadLetters.replay(caller, service, id);
  }

  @Delete(':service/:id')
  @HttpCode(204)
  @serviceParam
  @ApiOperation({ summary: 'Delete a dead letter for good' })
  @ApiNoContentResponse()
  @IdempotencyKey()
  async purge(
    @CurrentCaller() caller: Caller,
    @Param('service', new KnownService()) service: DeadLetterService,
    @UuidParam('Dead letter') id: string,
  ): Promise<void> {
    await this.deadLetters.purge(caller, service, id);
  }
}
