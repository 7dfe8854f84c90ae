import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import {
  CUSTOMERS_RPC,
  type CallerContext,
  type CustomerLabelPage,
  type CustomerLabelView,
  type DeleteLabelResult,
} from '@kanta/contracts';
import { RpcCaller, RpcData } from '@kanta/platform';
import {
  CreateLabelCommandDto,
  DeleteLabelCommandDto,
  ListLabelsCommandDto,
  RenameLabelCommandDto,
} from './label-commands.dto';
import { LabelsService } from './labels.service';

@Controller()
export class LabelsController {
  constructor(private readonly labels: LabelsService) {}

  @MessagePattern(CUSTOMERS_RPC.listLabels)
  list(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: ListLabelsCommandDto,
  ): Promise<CustomerLabelPage> {
    return this.labels.list(caller, data.list, data.withCounts);
  }

  @MessagePattern(CUSTOMERS_RPC.createLabel)
  create(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: CreateLabelCommandDto,
  ): Promise<CustomerLabelView> {
    return this.labels.create(caller, data.list, data.name);
  }

  @MessagePattern(CUSTOMERS_RPC.renameLabel)
  rename(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: RenameLabelCommandDto,
  ): Promise<CustomerLabelView> {
    return this.labels.rename(caller, data.list, data.id, data.name);
  }

  @MessagePattern(CUSTOMERS_RPC.deleteLabel)
  delete(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: DeleteLabelCommandDto,
  ): Promise<DeleteLabelResult> {
    return this.labels.delete(caller, data.list, data.id);
  }
}
