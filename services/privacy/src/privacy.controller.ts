import { Controller } from '@nestjs/common';
import {
  PRIVACY,
  type AccessLogPage,
  type AccessLogQuery,
  type ByIdQuery,
  type CallerContext,
  type CustomerRef,
  type DataExportFile,
  type DataExportView,
  type DeletionRequestPage,
  type DeletionRequestView,
  type ListDeletionRequestsQueryDto,
  type RequestDeletionCommand,
  type EraseCustomerCommand,
  type ErasureView,
  type MergeCustomersCommand,
  type MergeView,
  type PageQueryDto,
  type RetentionPreview,
  type RetentionPreviewQueryDto,
  type RetentionRunPage,
} from '@kanta/contracts';
import { Handles, type WriteCommand } from '@kanta/platform';
import { AccessLog } from './audit/access-log.service';
import { DeletionRequests } from './deletions/deletion-requests.service';
import { Erasures } from './erasures/erasures.service';
import { Merges } from './merges/merges.service';
import { DataExports } from './exports/data-exports.service';
import { Retention } from './retention/retention.service';

/** The privacy service's RPC operations: thin, each hands over to its service. */
@Controller()
export class PrivacyController {
  constructor(
    private readonly erasures: Erasures,
    private readonly deletions: DeletionRequests,
    private readonly retention: Retention,
    private readonly accessLog: AccessLog,
    private readonly merges: Merges,
    private readonly exports: DataExports,
  ) {}

  @Handles(PRIVACY.erase)
  erase(
    caller: CallerContext,
    data: EraseCustomerCommand,
    command: WriteCommand,
  ): Promise<ErasureView> {
    return this.erasures.request(caller, data, command);
  }

  @Handles(PRIVACY.getErasure)
  getErasure(caller: CallerContext, data: ByIdQuery): Promise<ErasureView> {
    return this.erasures.get(caller, data.id);
  }

  @Handles(PRIVACY.retryErasure)
  retryErasure(
    caller: CallerContext,
    data: ByIdQuery,
    command: WriteCommand,
  ): Promise<ErasureView> {
    return this.erasures.retry(caller, data.id, command);
  }

  @Handles(PRIVACY.merge)
  merge(
    caller: CallerContext,
    data: MergeCustomersCommand,
    command: WriteCommand,
  ): Promise<MergeView> {
    return this.merges.request(caller, data, command);
  }

  @Handles(PRIVACY.getMerge)
  getMerge(caller: CallerContext, data: ByIdQuery): Promise<MergeView> {
    return this.merges.get(caller, data.id);
  }

  @Handles(PRIVACY.retryMerge)
  retryMerge(caller: CallerContext, data: ByIdQuery, command: WriteCommand): Promise<MergeView> {
    return this.merges.retry(caller, data.id, command);
  }

  @Handles(PRIVACY.undoMerge)
  undoMerge(caller: CallerContext, data: ByIdQuery, command: WriteCommand): Promise<MergeView> {
    return this.merges.undo(caller, data.id, command);
  }

  @Handles(PRIVACY.requestDeletion)
  requestDeletion(
    caller: CallerContext,
    data: RequestDeletionCommand,
    command: WriteCommand,
  ): Promise<DeletionRequestView> {
    return this.deletions.request(caller, data, command);
  }

  @Handles(PRIVACY.cancelDeletion)
  cancelDeletion(
    caller: CallerContext,
    data: CustomerRef,
    command: WriteCommand,
  ): Promise<DeletionRequestView> {
    return this.deletions.cancel(caller, data, command);
  }

  @Handles(PRIVACY.listDeletions)
  listDeletions(
    caller: CallerContext,
    data: ListDeletionRequestsQueryDto,
  ): Promise<DeletionRequestPage> {
    return this.deletions.list(caller, data);
  }

  @Handles(PRIVACY.retentionPreview)
  retentionPreview(
    caller: CallerContext,
    data: RetentionPreviewQueryDto,
  ): Promise<RetentionPreview> {
    return this.retention.preview(caller, data);
  }

  @Handles(PRIVACY.retentionRuns)
  retentionRuns(caller: CallerContext, data: PageQueryDto): Promise<RetentionRunPage> {
    return this.retention.runs(caller, data);
  }

  @Handles(PRIVACY.listAccess)
  listAccess(caller: CallerContext, data: AccessLogQuery): Promise<AccessLogPage> {
    return this.accessLog.list(caller, data);
  }

  @Handles(PRIVACY.requestExport)
  requestExport(
    caller: CallerContext,
    data: CustomerRef,
    command: WriteCommand,
  ): Promise<DataExportView> {
    return this.exports.request(caller, data, command);
  }

  @Handles(PRIVACY.getExport)
  getExport(caller: CallerContext, data: ByIdQuery): Promise<DataExportView> {
    return this.exports.get(caller, data.id);
  }

  @Handles(PRIVACY.exportFile)
  exportFile(caller: CallerContext, data: ByIdQuery): Promise<DataExportFile> {
    return this.exports.file(caller, data.id);
  }
}
