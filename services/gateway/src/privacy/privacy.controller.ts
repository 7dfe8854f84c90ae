import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  EraseCustomerDto,
  ErasureView,
  MERGE_UNDO_DAYS,
  MergeCustomersDto,
  MergeView,
  PRIVACY,
} from '@kanta/contracts';
import { CurrentCaller, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { Rpc } from '../core/rpc';
import { ApiProblems } from '../http/api-problems';
import { IdempotencyKey } from '../http/idempotency-key';
import { UuidParam } from '../http/uuid-param';

/**
 * The privacy actions on a customer and their receipts. The privacy service decides (the
 * customer exists, is not erased or merged, the number confirms it) and runs the saga; the
 * gateway checks the role and routes.
 */
@ApiTags('privacy')
@ApiBearerAuth()
@ApiProblems(401, 503, 504)
@TenantScoped()
@Controller()
export class PrivacyController {
  constructor(private readonly rpc: Rpc) {}

  @Post('customers/:id/erase')
  @HttpCode(202)
  @Roles('admin')
  @ApiOperation({
    summary: "Erase a customer's personal data everywhere, irreversibly (admin)",
    description:
      'Every service clears what it holds of the person; the card stays as an erased shell ' +
      '(number, stations, dates) and visits and sales stay without personal data. Answers the ' +
      'erasure at once; its receipt (GET /privacy/erasures/{id}) completes when every service ' +
      "has confirmed. confirmCustomerNumber must be the customer's number.",
  })
  @ApiAcceptedResponse({
    type: ErasureView,
    description: 'The erasure as recorded, pending until every service has confirmed',
  })
  @ApiProblems(
    [
      409,
      'customer-erased: the customer is erased, or its erasure was requested already; ' +
        'customer-merged: the customer was merged into another, `survivorId` names it (erase ' +
        'that one: the customers merged into it go with it); merge-in-progress: the customer is ' +
        'part of a merge or an undo not complete yet (POST /privacy/merges/{id}/retry finishes ' +
        'one a service failed)',
    ],
    [422, "confirmCustomerNumber is not the customer's number (reason mismatch)"],
  )
  @IdempotencyKey()
  erase(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') customerId: string,
    @Body() body: EraseCustomerDto,
  ): Promise<ErasureView> {
    return this.rpc.call(PRIVACY.erase, caller, { customerId, erase: body });
  }

  @Get('privacy/erasures/:id')
  @Roles('admin')
  @ApiOperation({
    summary: "The erasure receipt: who asked when, and each service's confirmation (admin)",
    description: 'Times and counts only: a receipt holds no personal data.',
  })
  @ApiOkResponse({ type: ErasureView, description: 'The receipt' })
  getErasure(
    @CurrentCaller() caller: Caller,
    @UuidParam('Erasure') id: string,
  ): Promise<ErasureView> {
    return this.rpc.call(PRIVACY.getErasure, caller, { id });
  }

  @Post('privacy/erasures/:id/retry')
  @HttpCode(202)
  @Roles('admin')
  @ApiOperation({
    summary: 'Send an erasure again, for the services that have not confirmed it (admin)',
    description:
      'For a service whose erasure failed for good (its request is among its dead letters) and ' +
      'has been fixed. Services that confirmed are not asked again.',
  })
  @ApiAcceptedResponse({
    type: ErasureView,
    description: 'The erasure, the services that have not confirmed asked again',
  })
  @ApiProblems([409, 'erasure-completed: every service has confirmed, nothing to retry'])
  @IdempotencyKey()
  retryErasure(
    @CurrentCaller() caller: Caller,
    @UuidParam('Erasure') id: string,
  ): Promise<ErasureView> {
    return this.rpc.call(PRIVACY.retryErasure, caller, { id });
  }

  @Post('customers/:id/merge')
  @HttpCode(202)
  @Roles('admin')
  @ApiOperation({
    summary: 'Merge a duplicate customer into this one (admin)',
    description:
      "The customer {id} survives: it keeps its values, takes the duplicate's where its own are " +
      "empty, and every service moves the duplicate's history (vehicle links, visits, sales, " +
      'consent history, preferences, reminders) to it. The duplicate becomes `merged`, pointing ' +
      'here. Answers the merge at once, usually with the conflicting fields (both cards had ' +
      "different values; the survivor's kept); GET /privacy/merges/{id} shows it complete when " +
      `every service has confirmed. It can be undone for ${MERGE_UNDO_DAYS} days.`,
  })
  @ApiAcceptedResponse({
    type: MergeView,
    description: 'The merge as recorded, pending until every service has confirmed',
  })
  @ApiProblems(
    [404, 'The customer, or the duplicate (duplicateId), is not found: the detail says which'],
    [
      409,
      'customer-erased: either customer is erased; customer-merged: either was merged into ' +
        'another (survivorId names where it went); merge-in-progress: either is part of a merge ' +
        'or an undo not complete yet; deletion-pending: either has a pending deletion request',
    ],
    [422, 'duplicateId is not a UUID, or is the customer itself (reason same-customer)'],
  )
  @IdempotencyKey()
  merge(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') customerId: string,
    @Body() body: MergeCustomersDto,
  ): Promise<MergeView> {
    return this.rpc.call(PRIVACY.merge, caller, { customerId, merge: body });
  }

  @Get('privacy/merges/:id')
  @Roles('admin')
  @ApiOperation({
    summary:
      "The merge record: who merged which customers when, conflicts, each service's part (admin)",
    description: 'Ids, times, field names and counts only: a merge record holds no personal data.',
  })
  @ApiOkResponse({ type: MergeView, description: 'The merge record' })
  getMerge(@CurrentCaller() caller: Caller, @UuidParam('Merge') id: string): Promise<MergeView> {
    return this.rpc.call(PRIVACY.getMerge, caller, { id });
  }

  @Post('privacy/merges/:id/retry')
  @HttpCode(202)
  @Roles('admin')
  @ApiOperation({
    summary: 'Send a merge, or its undo, again to the services that have not confirmed it (admin)',
    description:
      'For a service whose part failed for good (its request is among its dead letters) and has ' +
      'been fixed: a pending merge or undo holds both customers (neither can be erased, merged ' +
      'or undone meanwhile) until every service has confirmed. The pending phase is asked ' +
      'again; services that confirmed are not asked again.',
  })
  @ApiAcceptedResponse({
    type: MergeView,
    description: 'The merge, the services that have not confirmed asked again',
  })
  @ApiProblems([
    409,
    'merge-completed: every service has confirmed the merge and no undo is in progress; ' +
      'merge-undone: every service has confirmed its undo. Nothing to retry',
  ])
  @IdempotencyKey()
  retryMerge(@CurrentCaller() caller: Caller, @UuidParam('Merge') id: string): Promise<MergeView> {
    return this.rpc.call(PRIVACY.retryMerge, caller, { id });
  }

  @Post('privacy/merges/:id/undo')
  @HttpCode(202)
  @Roles('admin')
  @ApiOperation({
    summary: `Undo a merge within ${MERGE_UNDO_DAYS} days (admin)`,
    description:
      'The duplicate is a customer of its own again, and every service moves back exactly what ' +
      'the merge moved (history added since stays with the survivor). The merge is `undoing` ' +
      'until every service has confirmed, then `undone`.',
  })
  @ApiAcceptedResponse({
    type: MergeView,
    description: 'The merge, its undo pending until every service has confirmed',
  })
  @ApiProblems([
    409,
    'merge-pending: the merge is not complete yet; undo-window-closed: more than ' +
      `${MERGE_UNDO_DAYS} days since the merge; merge-undone / undo-in-progress: undone ` +
      'already; customer-erased: either customer is erased since; customer-merged: the survivor ' +
      'has since been merged into another customer (undo that merge first)',
  ])
  @IdempotencyKey()
  undoMerge(@CurrentCaller() caller: Caller, @UuidParam('Merge') id: string): Promise<MergeView> {
    return this.rpc.call(PRIVACY.undoMerge, caller, { id });
  }
}
