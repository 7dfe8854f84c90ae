import {
  Body,
  Controller,
  Delete,
  Get,
  Inject,
  Patch,
  Post,
  Query,
  type Type,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  CUSTOMERS_RPC,
  CustomerLabelPage,
  DeleteLabelResult,
  CustomerLabelView,
  LabelNameDto,
  ListLabelsQueryDto,
  type CreateLabelCommand,
  type CustomerLabelList,
  type DeleteLabelCommand,
  type ListLabelsCommand,
  type RenameLabelCommand,
} from '@kanta/contracts';
import type { RpcClient } from '@kanta/platform';
import { CurrentCaller, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { CUSTOMERS_RPC_CLIENT } from '../core/tokens';
import { ApiProblems } from '../http/api-problems';
import { UuidParam } from '../http/uuid-param';

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
    constructor(@Inject(CUSTOMERS_RPC_CLIENT) readonly rpc: RpcClient) {}

    @Get()
    @ApiOperation({ summary: `The tenant's ${what}s, by name; withCounts adds customer counts` })
    @ApiOkResponse({ type: CustomerLabelPage })
    list(
      @CurrentCaller() caller: Caller,
      @Query() query: ListLabelsQueryDto,
    ): Promise<CustomerLabelPage> {
      return this.rpc.send<CustomerLabelPage, ListLabelsCommand>(CUSTOMERS_RPC.listLabels, {
        context: caller.context,
        data: { list, withCounts: query.withCounts ?? false },
      });
    }

    @Post()
    @Roles('admin')
    @ApiOperation({ summary: `Create a ${what} (admin); names are unique ignoring case` })
    @ApiCreatedResponse({ type: CustomerLabelView })
    @ApiProblems([409, `${list}-name-taken: the tenant has a ${list} of this name`])
    create(
      @CurrentCaller() caller: Caller,
      @Body() body: LabelNameDto,
    ): Promise<CustomerLabelView> {
      return this.rpc.send<CustomerLabelView, CreateLabelCommand>(CUSTOMERS_RPC.createLabel, {
        context: caller.context,
        data: { list, name: body.name },
      });
    }

    @Patch(':id')
    @Roles('admin')
    @ApiOperation({ summary: `Rename a ${what} (admin)` })
    @ApiOkResponse({ type: CustomerLabelView })
    @ApiProblems([409, `${list}-name-taken: the tenant has a ${list} of this name`])
    rename(
      @CurrentCaller() caller: Caller,
      @UuidParam(what) id: string,
      @Body() body: LabelNameDto,
    ): Promise<CustomerLabelView> {
      return this.rpc.send<CustomerLabelView, RenameLabelCommand>(CUSTOMERS_RPC.renameLabel, {
        context: caller.context,
        data: { list, id, name: body.name },
      });
    }

    @Delete(':id')
    @Roles('admin')
    @ApiOperation({
      summary: `Delete a ${what} (admin); its customers are released from it`,
      description: 'Answers how many customers it was taken from; each gets a new version.',
    })
    @ApiOkResponse({ type: DeleteLabelResult })
    delete(
      @CurrentCaller() caller: Caller,
      @UuidParam(what) id: string,
    ): Promise<DeleteLabelResult> {
      return this.rpc.send<DeleteLabelResult, DeleteLabelCommand>(CUSTOMERS_RPC.deleteLabel, {
        context: caller.context,
        data: { list, id },
      });
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
