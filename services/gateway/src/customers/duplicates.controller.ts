import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  CUSTOMERS,
  DismissDuplicateDto,
  DismissedDuplicateView,
  DuplicatePairPage,
  DuplicateScanView,
  ListDuplicatesQueryDto,
  MergeView,
  PRIVACY,
} from '@kanta/contracts';
import { AccessRecorder } from '../audit/access-recorder';
import { CurrentCaller, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { Rpc } from '../core/rpc';
import { ApiProblems, CUSTOMER_ERASED_OR_MERGED } from '../http/api-problems';
import { IdempotencyKey } from '../http/idempotency-key';
import { UuidParam } from '../http/uuid-param';

/**
 * `/customers/duplicates…`: suggested duplicate pairs, their dismissal and the full scan. Registered
 * before CustomersController so that `customers/:id` does not take `duplicates` for an id.
 */
@ApiTags('customers')
@ApiBearerAuth()
@ApiProblems(401, 503, 504)
@TenantScoped()
@Controller('customers/duplicates')
export class DuplicatesController {
  constructor(
    private readonly rpc: Rpc,
    private readonly access: AccessRecorder,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Suggested duplicate pairs, best score first',
    description:
      'Pairs of customers that share a phone, e-mail or external id, or have a close name with ' +
      'the same birthday or postal code, with the reasons and a score (0-1). Kept up to date by ' +
      'every create and edit; data loaded in bulk needs a scan. A worker sees the pairs whose ' +
      'two customers are both at their stations. Pass nextCursor as cursor for the next page.',
  })
  @ApiOkResponse({ type: DuplicatePairPage })
  async list(
    @CurrentCaller() caller: Caller,
    @Query() query: ListDuplicatesQueryDto,
  ): Promise<DuplicatePairPage> {
    const page = await this.rpc.call(CUSTOMERS.listDuplicates, caller, query);
    // A list that shows customers (numbers, names): recorded as a search would be.
    const shown = new Set(page.items.flatMap((pair) => pair.customers.map((c) => c.id)));
    this.access.record(caller.context, 'search', [...shown]);
    return page;
  }

  @Post('dismiss')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Mark two customers as not duplicates; never suggested again (admin)' })
  @ApiOkResponse({ type: DismissedDuplicateView })
  @ApiProblems(
    [404, 'One of the customers not found, or not visible to you'],
    [409, CUSTOMER_ERASED_OR_MERGED],
  )
  @IdempotencyKey()
  dismiss(
    @CurrentCaller() caller: Caller,
    @Body() body: DismissDuplicateDto,
  ): Promise<DismissedDuplicateView> {
    return this.rpc.call(CUSTOMERS.dismissDuplicate, caller, body);
  }

  @Post(':pairId/merge')
  @HttpCode(202)
  @Roles('admin')
  @ApiOperation({
    summary: 'Merge a suggested duplicate pair (admin)',
    description:
      'The customer created first survives (online bookings and partner events make the later ' +
      'duplicates); the other is merged into it, as POST /customers/{id}/merge would with ' +
      'duplicateId. Answers the merge record, with the fields both cards had different (the ' +
      "survivor's kept) once the customers service has answered; GET /privacy/merges/{id} " +
      'follows it, POST /privacy/merges/{id}/undo undoes it. The pair leaves the list once ' +
      'merged, but its id still names the two customers until the merge is undone: sent again, ' +
      'the request is answered as the first was (same Idempotency-Key) or refused (409 ' +
      'customer-merged).',
  })
  @ApiAcceptedResponse({
    type: MergeView,
    description: 'The merge as recorded, pending until every service has confirmed',
  })
  @ApiProblems(
    [404, "No such suggested pair (unknown, dismissed, undone, or another tenant's)"],
    [409, 'customer-erased, customer-merged, or a pending deletion request of either customer'],
  )
  @IdempotencyKey()
  async merge(
    @CurrentCaller() caller: Caller,
    @UuidParam('Duplicate pair', 'pairId') pairId: string,
  ): Promise<MergeView> {
    const pair = await this.rpc.call(CUSTOMERS.duplicatePair, caller, { id: pairId });
    return this.rpc.call(PRIVACY.merge, caller, {
      customerId: pair.survivorId,
      merge: { duplicateId: pair.duplicateId },
    });
  }

  @Post('scan')
  @HttpCode(202)
  @Roles('admin')
  @ApiOperation({
    summary: 'Scan the whole customer base for duplicates in the background (admin)',
    description:
      'For data that arrived in bulk. A scan already queued or running is answered as is.',
  })
  @ApiAcceptedResponse({ type: DuplicateScanView })
  @IdempotencyKey()
  scan(@CurrentCaller() caller: Caller): Promise<DuplicateScanView> {
    return this.rpc.call(CUSTOMERS.scanDuplicates, caller, {});
  }

  @Get('scan')
  @Roles('admin')
  @ApiOperation({ summary: 'The latest duplicate scan: status and progress (admin)' })
  @ApiOkResponse({ type: DuplicateScanView })
  @ApiProblems([404, 'No scan was requested yet'])
  getScan(@CurrentCaller() caller: Caller): Promise<DuplicateScanView> {
    return this.rpc.call(CUSTOMERS.getDuplicateScan, caller, {});
  }
}
