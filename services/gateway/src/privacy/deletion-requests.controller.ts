import { Body, Controller, Delete, Get, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  DeletionRequestPage,
  DeletionRequestView,
  ListDeletionRequestsQueryDto,
  PRIVACY,
  RequestDeletionDto,
} from '@kanta/contracts';
import { CurrentCaller, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { Rpc } from '../core/rpc';
import { ApiProblems } from '../http/api-problems';
import { IdempotencyKey } from '../http/idempotency-key';
import { UuidParam } from '../http/uuid-param';

/**
 * Deletion requests (Timma's "Poistopyyntö"): reception records the customer's request, the
 * erasure runs when the tenant's grace period (`deletionGraceDays`, a tenant setting) ends, and
 * an admin may cancel it before then. The gateway adds the tenant's grace period; the privacy
 * service decides the rest.
 */
@ApiTags('privacy')
@ApiBearerAuth()
@ApiProblems(401, 503, 504)
@TenantScoped()
@Controller()
export class DeletionRequestsController {
  constructor(private readonly rpc: Rpc) {}

  @Post('customers/:id/deletion-request')
  @Roles('admin', 'worker')
  @ApiOperation({
    summary: "Record the customer's request to be deleted; erased when the grace period ends",
    description:
      "Records who took it, how the customer asked and when; the erasure runs after the tenant's " +
      'deletionGraceDays (default 30) unless an admin cancels it. A worker may record one for a ' +
      'customer of their stations.',
  })
  @ApiCreatedResponse({ type: DeletionRequestView })
  @ApiProblems(
    [404, 'Customer not found, or not visible to you'],
    [
      409,
      'deletion-requested: one is pending already; customer-erased: the customer is erased; ' +
        'customer-merged: the customer was merged into another, `survivorId` names it (the ' +
        'request belongs there); merge-in-progress: the customer is part of a merge or an undo ' +
        'not complete yet',
    ],
  )
  @IdempotencyKey()
  request(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') customerId: string,
    @Body() body: RequestDeletionDto,
  ): Promise<DeletionRequestView> {
    return this.rpc.call(PRIVACY.requestDeletion, caller, {
      customerId,
      request: body,
      // @TenantScoped: the caller has a tenant. Its settings come with the cached identity.
      graceDays: caller.identity.tenant!.deletionGraceDays,
    });
  }

  @Delete('customers/:id/deletion-request')
  @Roles('admin')
  @ApiOperation({ summary: "Cancel the customer's pending deletion request (admin)" })
  @ApiOkResponse({ type: DeletionRequestView })
  @ApiProblems(
    [404, 'No deletion request for this customer'],
    [
      409,
      'deletion-request-done: the customer is erased already; deletion-request-cancelled: ' +
        'cancelled already',
    ],
  )
  @IdempotencyKey()
  cancel(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') customerId: string,
  ): Promise<DeletionRequestView> {
    return this.rpc.call(PRIVACY.cancelDeletion, caller, { customerId });
  }

  @Get('privacy/deletion-requests')
  @Roles('admin')
  @ApiOperation({
    summary: 'Deletion requests, newest first (admin)',
    description: 'status=pending|done|cancelled; pass nextCursor as cursor for the next page.',
  })
  @ApiOkResponse({ type: DeletionRequestPage })
  list(
    @CurrentCaller() caller: Caller,
    @Query() query: ListDeletionRequestsQueryDto,
  ): Promise<DeletionRequestPage> {
    return this.rpc.call(PRIVACY.listDeletions, caller, query);
  }
}
