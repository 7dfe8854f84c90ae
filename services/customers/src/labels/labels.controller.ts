import { Controller } from '@nestjs/common';
import {
  CUSTOMERS,
  type CallerContext,
  type CreateLabelCommand,
  type CustomerLabelPage,
  type CustomerLabelView,
  type DeleteLabelCommand,
  type DeleteLabelResult,
  type ListLabelsQuery,
  type RenameLabelCommand,
} from '@kanta/contracts';
import { Handles, type WriteCommand } from '@kanta/platform';
import { LabelsService } from './labels.service';

@Controller()
export class LabelsController {
  constructor(private readonly labels: LabelsService) {}

  @Handles(CUSTOMERS.listLabels)
  list(caller: CallerContext, data: ListLabelsQuery): Promise<CustomerLabelPage> {
    return this.labels.list(caller, data.list, data.withCounts);
  }

  @Handles(CUSTOMERS.createLabel)
  create(
    caller: CallerContext,
    data: CreateLabelCommand,
    command: WriteCommand,
  ): Promise<CustomerLabelView> {
    return this.labels.create(caller, data.list, data.name, command);
  }

  @Handles(CUSTOMERS.renameLabel)
  rename(
    caller: CallerContext,
    data: RenameLabelCommand,
    command: WriteCommand,
  ): Promise<CustomerLabelView> {
    return this.labels.rename(caller, data.list, data.id, data.name, command);
  }

  @Handles(CUSTOMERS.deleteLabel)
  delete(
    caller: CallerContext,
    data: DeleteLabelCommand,
    command: WriteCommand,
  ): Promise<DeleteLabelResult> {
    return this.labels.delete(caller, data.list, data.id, command);
  }
}
