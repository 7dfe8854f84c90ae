import { deadLetterOperationsOf } from '../dead-letters';
import { ByIdQuery, CustomerRef } from '../rpc-data';
import { NoData, RpcBody, answers, rpcOperationsOf, type ServiceHealth } from '../rpc';
import { IsInt, Max, Min } from 'class-validator';
import {
  DELETION_GRACE_DAYS,
  ListDeletionRequestsQueryDto,
  RequestDeletionDto,
  type DeletionRequestPage,
  type DeletionRequestView,
} from './deletion.dto';
import { AccessLogQuery, type AccessLogPage } from './audit.dto';
import { EraseCustomerDto, type ErasureView } from './erasure.dto';
import { MergeCustomersDto, type MergeView } from './merge.dto';
import { type DataExportFile, type DataExportView } from './export.dto';
import {
  RetentionPreviewQueryDto,
  type RetentionPreview,
  type RetentionRunPage,
} from './retention.dto';
import { PageQueryDto } from '../page.dto';

/*
 * The privacy service's RPC contract. It answers from its own records: whether the customer
 * exists, its number and whether it is erased are what it learnt from the customers service's
 * events.
 */

export class EraseCustomerCommand extends CustomerRef {
  @RpcBody(() => EraseCustomerDto)
  erase: EraseCustomerDto;
}

export class RequestDeletionCommand extends CustomerRef {
  @RpcBody(() => RequestDeletionDto)
  request: RequestDeletionDto;

  /** The tenant's grace period, from its settings (the gateway keeps them). */
  @IsInt()
  @Min(DELETION_GRACE_DAYS.min)
  @Max(DELETION_GRACE_DAYS.max)
  graceDays: number;
}

/** `customerId` survives; `merge.duplicateId` is merged into it. */
export class MergeCustomersCommand extends CustomerRef {
  @RpcBody(() => MergeCustomersDto)
  merge: MergeCustomersDto;
}

const { query, write } = rpcOperationsOf('privacy');

export const PRIVACY = {
  health: query('privacy.health', NoData, answers<ServiceHealth>()),
  deadLetters: deadLetterOperationsOf('privacy'),
  erase: write('privacy.erasure.request', EraseCustomerCommand, answers<ErasureView>()),
  getErasure: query('privacy.erasure.get', ByIdQuery, answers<ErasureView>()),
  /** Publishes the request again, for the participants that have not answered (failed, fixed). */
  retryErasure: write('privacy.erasure.retry', ByIdQuery, answers<ErasureView>()),
  /**
   * Merges the duplicate into the customer: records the merge and announces it; answers the merge
   * (with the customers service's conflicts when it answered within a moment).
   */
  merge: write('privacy.merge.request', MergeCustomersCommand, answers<MergeView>()),
  getMerge: query('privacy.merge.get', ByIdQuery, answers<MergeView>()),
  /**
   * Publishes the pending phase's request again (the merge's, or its undo's), for the
   * participants that have not answered (failed, fixed).
   */
  retryMerge: write('privacy.merge.retry', ByIdQuery, answers<MergeView>()),
  /** Undoes a completed merge within MERGE_UNDO_DAYS. */
  undoMerge: write('privacy.merge.undo', ByIdQuery, answers<MergeView>()),
  requestDeletion: write(
    'privacy.deletion.request',
    RequestDeletionCommand,
    answers<DeletionRequestView>(),
  ),
  /** Cancels the customer's pending deletion request. */
  cancelDeletion: write('privacy.deletion.cancel', CustomerRef, answers<DeletionRequestView>()),
  listDeletions: query(
    'privacy.deletion.list',
    ListDeletionRequestsQueryDto,
    answers<DeletionRequestPage>(),
  ),
  /** Who retention would erase: with the tenant's setting, or `years` to try another. */
  retentionPreview: query(
    'privacy.retention.preview',
    RetentionPreviewQueryDto,
    answers<RetentionPreview>(),
  ),
  /** The retention sweep's runs for the tenant, newest first. */
  retentionRuns: query('privacy.retention.runs', PageQueryDto, answers<RetentionRunPage>()),
  /** The access audit, newest first: the tenant's, or one customer's (`customerId`). */
  listAccess: query('privacy.access.list', AccessLogQuery, answers<AccessLogPage>()),
  /** Records a data hand-over of the customer and starts its job; answers it pending. */
  requestExport: write('privacy.export.request', CustomerRef, answers<DataExportView>()),
  getExport: query('privacy.export.get', ByIdQuery, answers<DataExportView>()),
  /** The ready export's ZIP; each download is recorded in the access audit ('handover'). */
  exportFile: query('privacy.export.file', ByIdQuery, answers<DataExportFile>()),
} as const;
