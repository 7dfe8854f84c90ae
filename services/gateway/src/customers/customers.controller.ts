import { Body, Controller, Delete, Get, Patch, Post, Put, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiConflictResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import {
  CreateCustomerDto,
  CreateCustomerQueryDto,
  PossibleDuplicateProblem,
  CustomerPage,
  CustomerView,
  FieldRulesDto,
  ProblemDetails,
  SearchCustomersQueryDto,
  UpdateCustomerDto,
} from '@kanta/contracts';
import type { JsonText } from '@kanta/platform';
import { CurrentCaller, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { ApiProblems, CUSTOMER_ERASED_OR_MERGED } from '../http/api-problems';
import { ApiCreated, type HttpResult } from '../http/http-result';
import { IfMatch } from '../http/if-match';
import { UuidParam } from '../http/uuid-param';
import { IdempotencyKey } from '../http/idempotency-key';
import { CustomersService } from './customers.service';

@ApiTags('customers')
@ApiBearerAuth()
@ApiProblems(401, 503, 504)
@TenantScoped()
@Controller()
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Post('customers')
  @ApiOperation({
    summary: 'Create a customer; a repeated Idempotency-Key answers the first result (200)',
  })
  @ApiCreated(CustomerView, { replayable: true })
  @ApiExtraModels(PossibleDuplicateProblem)
  @ApiConflictResponse({
    content: {
      'application/problem+json': {
        schema: {
          oneOf: [
            { $ref: getSchemaPath(PossibleDuplicateProblem) },
            { $ref: getSchemaPath(ProblemDetails) },
          ],
        },
      },
    },
    description:
      'possible-duplicate: existing customers share a phone, e-mail, external id or customer ' +
      'number, or a close name with a birthday or postal code; repeat with allowDuplicate=true ' +
      'to create anyway (a taken customer number or external id stays a 409)',
  })
  @IdempotencyKey('a repeat with the same request answers the first result (200)')
  create(
    @CurrentCaller() caller: Caller,
    @Body() body: CreateCustomerDto,
    @Query() query: CreateCustomerQueryDto,
  ): Promise<HttpResult<CustomerView>> {
    return this.customers.create(caller, body, query.allowDuplicate ?? false);
  }

  @Get('customers')
  @ApiOperation({
    summary: 'Search customers (every word must match; passive hidden by default)',
    description:
      'Each word matches first, last or company name, phone (typed any common way), e-mail, ' +
      'customer number or an external id, ignoring case and accents. Results run newest first; ' +
      'pass nextCursor as cursor for the next page. A worker sees the customers of their stations.',
  })
  @ApiOkResponse({ type: CustomerPage })
  search(
    @CurrentCaller() caller: Caller,
    @Query() query: SearchCustomersQueryDto,
  ): Promise<JsonText<CustomerPage>> {
    return this.customers.search(caller, query);
  }

  @Get('customers/:id')
  @ApiOperation({ summary: 'Get a customer; the ETag is its version' })
  @ApiOkResponse({ type: CustomerView })
  get(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') id: string,
  ): Promise<HttpResult<CustomerView>> {
    return this.customers.get(caller, id);
  }

  @Patch('customers/:id')
  @ApiOperation({
    summary: 'Change a customer (JSON merge patch; null clears a field); If-Match required',
  })
  @ApiConsumes('application/merge-patch+json', 'application/json')
  @ApiBody({ type: UpdateCustomerDto })
  @ApiOkResponse({ type: CustomerView })
  @ApiProblems([
    409,
    'customer-number-taken or external-id-taken: `errors` names the field; ' +
      CUSTOMER_ERASED_OR_MERGED,
  ])
  @IdempotencyKey()
  update(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') id: string,
    @Body() patch: UpdateCustomerDto,
    @IfMatch(true) ifMatch?: string,
  ): Promise<HttpResult<CustomerView>> {
    return this.customers.update(caller, id, patch, ifMatch);
  }

  @Put('customers/:id/groups/:groupId')
  @ApiOperation({
    summary: 'Put the customer into a group (no If-Match needed; already a member: unchanged)',
  })
  @ApiOkResponse({ type: CustomerView })
  @ApiProblems([409, CUSTOMER_ERASED_OR_MERGED], [422, 'The group is not one of your tenant'])
  @IdempotencyKey()
  assignGroup(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') id: string,
    @UuidParam('Customer group', 'groupId') groupId: string,
  ): Promise<HttpResult<CustomerView>> {
    return this.customers.setGroupMembership(caller, id, groupId, true);
  }

  @Delete('customers/:id/groups/:groupId')
  @ApiOperation({ summary: 'Take the customer out of a group (not a member: unchanged)' })
  @ApiOkResponse({ type: CustomerView })
  @ApiProblems([409, CUSTOMER_ERASED_OR_MERGED])
  @IdempotencyKey()
  unassignGroup(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') id: string,
    @UuidParam('Customer group', 'groupId') groupId: string,
  ): Promise<HttpResult<CustomerView>> {
    return this.customers.setGroupMembership(caller, id, groupId, false);
  }

  @Get('customer-field-rules')
  @Roles('admin')
  @ApiOperation({ summary: 'Which customer fields your tenant requires (admin)' })
  @ApiOkResponse({ type: FieldRulesDto })
  getFieldRules(@CurrentCaller() caller: Caller): Promise<FieldRulesDto> {
    return this.customers.getFieldRules(caller);
  }

  @Put('customer-field-rules')
  @Roles('admin')
  @ApiOperation({ summary: 'Set which customer fields your tenant requires (admin)' })
  @ApiOkResponse({ type: FieldRulesDto })
  @IdempotencyKey()
  putFieldRules(
    @CurrentCaller() caller: Caller,
    @Body() rules: FieldRulesDto,
  ): Promise<FieldRulesDto> {
    return this.customers.putFieldRules(caller, rules);
  }
}
