import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import {
  CUSTOMERS_RPC,
  DismissDuplicateDto,
  ListDuplicatesQueryDto,
  type CallerContext,
  type DismissedDuplicateView,
  type DuplicatePairPage,
  type DuplicateScanView,
} from '@kanta/contracts';
import { RpcCaller, RpcData } from '@kanta/platform';
import { DuplicatesService } from './duplicates.service';

@Controller()
export class DuplicatesController {
  constructor(private readonly duplicates: DuplicatesService) {}

  @MessagePattern(CUSTOMERS_RPC.listDuplicates)
  list(
    @RpcCaller() caller: CallerContext,
    @RpcData() query: ListDuplicatesQueryDto,
  ): Promise<DuplicatePairPage> {
    return this.duplicates.list(caller, query);
  }

  @MessagePattern(CUSTOMERS_RPC.dismissDuplicate)
  dismiss(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: DismissDuplicateDto,
  ): Promise<DismissedDuplicateView> {
    return this.duplicates.dismiss(caller, data.customerIds);
  }

  @MessagePattern(CUSTOMERS_RPC.scanDuplicates)
  scan(@RpcCaller() caller: CallerContext): Promise<DuplicateScanView> {
    return this.duplicates.requestScan(caller);
  }

  @MessagePattern(CUSTOMERS_RPC.getDuplicateScan)
  getScan(@RpcCaller() caller: CallerContext): Promise<DuplicateScanView> {
    return this.duplicates.getScan(caller);
  }
}
