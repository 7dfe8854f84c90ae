import { Controller } from '@nestjs/common';
import {
  CUSTOMERS,
  type CallerContext,
  type DismissDuplicateDto,
  type ByIdQuery,
  type DismissedDuplicateView,
  type DuplicatePairMerge,
  type DuplicatePairPage,
  type DuplicateScanView,
  type ListDuplicatesQueryDto,
  type NoData,
} from '@kanta/contracts';
import { Handles, type WriteCommand } from '@kanta/platform';
import { DuplicatesService } from './duplicates.service';

@Controller()
export class DuplicatesController {
  constructor(private readonly duplicates: DuplicatesService) {}

  @Handles(CUSTOMERS.listDuplicates)
  list(caller: CallerContext, query: ListDuplicatesQueryDto): Promise<DuplicatePairPage> {
    return this.duplicates.list(caller, query);
  }

  @Handles(CUSTOMERS.duplicatePair)
  pair(caller: CallerContext, data: ByIdQuery): Promise<DuplicatePairMerge> {
    return this.duplicates.pairToMerge(caller, data.id);
  }

  @Handles(CUSTOMERS.dismissDuplicate)
  dismiss(caller: CallerContext, data: DismissDuplicateDto): Promise<DismissedDuplicateView> {
    return this.duplicates.dismiss(caller, data.customerIds);
  }

  @Handles(CUSTOMERS.scanDuplicates)
  scan(caller: CallerContext, _data: NoData, command: WriteCommand): Promise<DuplicateScanView> {
    return this.duplicates.requestScan(caller, command);
  }

  @Handles(CUSTOMERS.getDuplicateScan)
  getScan(caller: CallerContext, _data: NoData): Promise<DuplicateScanView> {
    return this.duplicates.getScan(caller);
  }
}
