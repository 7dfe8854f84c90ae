import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { EraseCustomerDto, ErasureView, PRIVACY } from '@kanta/contracts';
import { CurrentCaller, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { Rpc } from '../core/rpc';
import { ApiProblems } from '../http/api-problems';
import { IdempotencyKey } from '../http/idempotency-key';
import { UuidParam } from '../http/uuid-param';

/**
 * The privacy actions on a customer and their receipts. The privacy service decides (the
 * customer exists, is not erased, the number confirms it) and runs the saga; the gateway checks
 * the role and routes.
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
    [409, 'customer-erased: the customer is erased, or its erasure was requested already'],
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
}
