import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  CreateReminderDto,
  type DeletedReminder,
  ListRemindersQueryDto,
  ReminderPage,
  ReminderPageQueryDto,
  ReminderView,
  UpdateReminderDto,
} from '@kanta/contracts';
import { customersOfItems, itsCustomer, theRouteCustomer } from '../audit/customer-ids';
import { RecordsAccess } from '../audit/records-access';
import { CurrentCaller, TenantScoped, type Caller } from '../auth/auth.decorators';
import { ApiProblems, CUSTOMER_ERASED_OR_MERGED, READS_FOLLOW_MERGES } from '../http/api-problems';
import { ApiCreated, type HttpResult } from '../http/http-result';
import { IfMatch } from '../http/if-match';
import { UuidParam } from '../http/uuid-param';
import { RemindersService } from './reminders.service';
import { IdempotencyKey } from '../http/idempotency-key';

const STATUS_NOTE =
  'Statuses: upcoming (its time is to come), due (its time has come), done. Ordered by due time, ' +
  'then id; pass nextCursor as cursor for the next page. A worker sees the reminders of the ' +
  "customers of their stations. Times: dueAt in UTC, dueAtLocal in the tenant's time zone.";

@ApiTags('reminders')
@ApiBearerAuth()
@ApiProblems(401, 503, 504)
@TenantScoped()
@Controller()
export class RemindersController {
  constructor(private readonly reminders: RemindersService) {}

  @Post('customers/:id/reminders')
  @ApiOperation({
    summary: 'Set a reminder on a customer (for you, or for another user of your tenant)',
    description:
      "dueAt without a zone is read in the tenant's time zone; a time skipped by a daylight-saving " +
      'change is moved forward by the gap, a time that happens twice is the first one. ' +
      'The assignee must work at one of the customer’s stations (or be an admin).',
  })
  @ApiCreated(ReminderView, { replayable: false })
  @ApiProblems([409, CUSTOMER_ERASED_OR_MERGED])
  @IdempotencyKey()
  @RecordsAccess('edit', theRouteCustomer)
  create(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') customerId: string,
    @Body() body: CreateReminderDto,
  ): Promise<HttpResult<ReminderView>> {
    return this.reminders.create(caller, customerId, body);
  }

  @Get('customers/:id/reminders')
  @ApiOperation({
    summary: 'A customer’s reminders',
    description: `${STATUS_NOTE} ${READS_FOLLOW_MERGES}`,
  })
  @ApiOkResponse({ type: ReminderPage })
  @RecordsAccess('view', theRouteCustomer)
  listOfCustomer(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') customerId: string,
    @Query() query: ReminderPageQueryDto,
  ): Promise<ReminderPage> {
    return this.reminders.list(caller, { ...query, customerId });
  }

  @Get('reminders')
  @ApiOperation({ summary: 'Reminders, e.g. ?assignee=me&status=due', description: STATUS_NOTE })
  @ApiOkResponse({ type: ReminderPage })
  @ApiProblems([404, 'customerId names a customer that is not there, or not visible to you'])
  @RecordsAccess('search', customersOfItems)
  list(
    @CurrentCaller() caller: Caller,
    @Query() query: ListRemindersQueryDto,
  ): Promise<ReminderPage> {
    return this.reminders.list(caller, query);
  }

  @Get('reminders/:id')
  @ApiOperation({ summary: 'A reminder; the ETag is its version' })
  @ApiOkResponse({ type: ReminderView })
  @RecordsAccess('view', itsCustomer)
  get(
    @CurrentCaller() caller: Caller,
    @UuidParam('Reminder') id: string,
  ): Promise<HttpResult<ReminderView>> {
    return this.reminders.get(caller, id);
  }

  @Patch('reminders/:id')
  @ApiOperation({
    summary: 'Reschedule (dueAt), mark done (done: true) or open again, change comment or assignee',
  })
  @ApiOkResponse({ type: ReminderView })
  @IdempotencyKey()
  @RecordsAccess('edit', itsCustomer)
  update(
    @CurrentCaller() caller: Caller,
    @UuidParam('Reminder') id: string,
    @Body() body: UpdateReminderDto,
    @IfMatch(false) ifMatch?: string,
  ): Promise<HttpResult<ReminderView>> {
    return this.reminders.update(caller, id, body, ifMatch);
  }

  @Delete('reminders/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a reminder' })
  @ApiNoContentResponse()
  @IdempotencyKey()
  @RecordsAccess('edit', itsCustomer)
  delete(
    @CurrentCaller() caller: Caller,
    @UuidParam('Reminder') id: string,
  ): Promise<HttpResult<DeletedReminder>> {
    return this.reminders.delete(caller, id);
  }
}
