import { Body, Controller, Delete, Get, Patch, Post, Query, type Type } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  CUSTOMERS,
  CustomerLabelPage,
  DeleteLabelResult,
  CustomerLabelView,
  LabelNameDto,
  ListLabelsQueryDto,
  type CustomerLabelList,
} from '@kanta/contracts';
import { CurrentCaller, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { Rpc } from '../core/rpc';
import { ApiProblems } from '../http/api-problems';
import { UuidParam } from '../http/uuid-param';
import { IdempotencyKey } from '../http/idempotency-key';

/**
 * `/customer-groups` and `/customer-sources`: the same operations on the tenant's two lists,
 * so one controller class is made per list.
 */
function customerLabelsController(list: CustomerLabelList, path: string, what: string): Type {
  @ApiTags('customers')
  @ApiBearerAuth()
  @ApiProblems(401, 503, 504)
  @TenantScoped()
  @Controller(path)
  class CustomerLabelsController {
    constructor(readonly rpc: Rpc) {}

    @Get()
    @ApiOperation({ summary: `The tenant's ${what}s, by name; withCounts adds customer counts` })
    @ApiOkResponse({ type: CustomerLabelPage })
    list(
      @CurrentCaller() caller: Caller,
      @Query() query: ListLabelsQueryDto,
    ): Promise<CustomerLabelPage> {
      return this.rpc.call(CUSTOMERS.listLabels, caller, {
        list,
        withCounts: query.withCounts ?? false,
      });
    }

    @Post()
    @Roles('admin')
    @ApiOperation({ summary: `Create a ${what} (admin); names are unique ignoring case` })
    @ApiCreatedResponse({ type: CustomerLabelView })
    @ApiProblems([409, `${list}-name-taken: the tenant has a ${list} of this name`])
    @IdempotencyKey()
    create(
      @CurrentCaller() caller: Caller,
      @Body() body: LabelNameDto,
    ): Promise<CustomerLabelView> {
      return this.rpc.call(CUSTOMERS.createLabel, caller, { list, name: body.name });
    }

    @Patch(':id')
    @Roles('admin')
    @ApiOperation({ summary: `Rename a ${what} (admin)` })
    @ApiOkResponse({ type: CustomerLabelView })
    @ApiProblems([409, `${list}-name-taken: the tenant has a ${list} of this name`])
    @IdempotencyKey()
    rename(
      @CurrentCaller() caller: Caller,
      @UuidParam(what) id: string,
      @Body() body: LabelNameDto,
    ): Promise<CustomerLabelView> {
      return this.rpc.call(CUSTOMERS.renameLabel, caller, { list, id, name: body.name });
    }

    @Delete(':id')
    @Roles('admin')
    @ApiOperation({
      summary: `Delete a ${what} (admin); its customers are released from it`,
      description: 'Answers how many customers it was taken from; each gets a new version.',
    })
    @ApiOkResponse({ type: DeleteLabelResult })
    @IdempotencyKey()
    delete(
      @CurrentCaller() caller: Caller,
      @UuidParam(what) id: string,
    ): Promise<DeleteLabelResult> {
      return this.rpc.call(CUSTOMERS.deleteLabel, caller, { list, id });
    }
  }
  return CustomerLabelsController;
}

export const CustomerGroupsController = customerLabelsController(
  'group',
  'customer-groups',
  'Customer group',
);
export const CustomerSourcesController = customerLabelsController(
  'source',
  'customer-sources',
  'Customer source',
);
