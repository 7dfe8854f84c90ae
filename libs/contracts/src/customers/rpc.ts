import { ReportablePageQuery, type ReportablePage } from '../reporting/rebuild';
import type { CustomerReportableV1 } from './events';
import { PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { deadLetterOperationsOf } from '../dead-letters';
import { ByIdQuery, CustomerRef, VersionedCommand } from '../rpc-data';
import { Nullable } from '../text';
import { NoData, RpcBody, answers, rpcOperationsOf, type ServiceHealth } from '../rpc';
import {
  CreateCustomerDto,
  CustomerSearchCriteriaDto,
  SearchCustomersQueryDto,
  UpdateCustomerDto,
  type CreateCustomerResult,
  type CustomerPage,
  type CustomerView,
} from './customer.dto';
import {
  DismissDuplicateDto,
  ListDuplicatesQueryDto,
  type DismissedDuplicateView,
  type DuplicatePairMerge,
  type DuplicatePairPage,
  type DuplicateScanView,
} from './duplicates.dto';
import { FieldRulesDto } from './field-rules.dto';
import { CommitImportCommand } from './import-commit.dto';
import {
  ImportFileChunkQuery,
  ImportRowsQuery,
  ImportTemplateQuery,
  ListImportsQueryDto,
  StartImportCommand,
  UploadImportChunkCommand,
  type ImportFileChunk,
  type ImportPage,
  type ImportRowPage,
  type ImportUploadProgress,
  type ImportView,
} from './imports.dto';
import {
  CUSTOMER_LABEL_LISTS,
  LabelNameDto,
  type CustomerLabelList,
  type CustomerLabelPage,
  type CustomerLabelView,
  type DeleteLabelResult,
} from './labels.dto';
import {
  CreateReminderDto,
  ListRemindersQueryDto,
  UpdateReminderDto,
  type DeletedReminder,
  type ReminderPage,
  type ReminderView,
} from './reminder.dto';

/*
 * The customers service's RPC contract: the data of each operation as a class (validated again at
 * the service's edge; the caller's body is the field root, so its field errors read as the caller
 * sent them), and the operations themselves in CUSTOMERS.
 */

export class CreateCustomerCommand {
  @RpcBody(() => CreateCustomerDto)
  customer: CreateCustomerDto;

  /** The caller has seen the possible duplicates and creates the customer anyway. */
  @IsOptional()
  @IsBoolean({ message: 'allowDuplicate must be true or false' })
  allowDuplicate?: boolean;
}

export class UpdateCustomerCommand extends VersionedCommand {
  @RpcBody(() => UpdateCustomerDto)
  patch: UpdateCustomerDto;
}

/** Puts a customer into a group (`member: true`) or takes it out, without a full patch. */
export class GroupMembershipCommand extends CustomerRef {
  @IsString()
  @Length(1, 100)
  groupId: string;

  @IsBoolean()
  member: boolean;
}

export class ListLabelsQuery {
  @IsIn(CUSTOMER_LABEL_LISTS)
  list: CustomerLabelList;

  @IsOptional()
  @IsBoolean()
  withCounts?: boolean;
}

export class CreateLabelCommand extends LabelNameDto {
  @IsIn(CUSTOMER_LABEL_LISTS)
  list: CustomerLabelList;
}

export class RenameLabelCommand extends LabelNameDto {
  @IsIn(CUSTOMER_LABEL_LISTS)
  list: CustomerLabelList;

  @IsString()
  @Length(1, 100)
  id: string;
}

export class DeleteLabelCommand {
  @IsIn(CUSTOMER_LABEL_LISTS)
  list: CustomerLabelList;

  @IsString()
  @Length(1, 100)
  id: string;
}

/**
 * Whom a reminder is for, resolved and checked by the gateway (which knows the users): their id
 * and the stations they work at, or null for an admin who sees the whole tenant. The customers
 * service refuses an assignee who could not see the customer.
 */
export class ReminderAssignee {
  @IsUUID('all')
  userId: string;

  /** null (or absent): an admin, who sees the whole tenant. */
  @Nullable()
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  stationIds: string[] | null;
}

class ReminderBody extends PickType(CreateReminderDto, ['dueAt', 'comment'] as const) {}

class ReminderPatch extends PickType(UpdateReminderDto, ['dueAt', 'comment', 'done'] as const) {}

/** The gateway has turned `me` into an assignee with ids. */
export class CreateReminderCommand extends CustomerRef {
  @RpcBody(() => ReminderBody)
  reminder: ReminderBody;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ReminderAssignee)
  assignee: ReminderAssignee;
}

export class ListRemindersQuery extends PickType(ListRemindersQueryDto, [
  'status',
  'limit',
  'cursor',
] as const) {
  @IsOptional()
  @IsUUID('all')
  assigneeUserId?: string;

  @IsOptional()
  @IsString()
  @Length(1, 100)
  customerId?: string;
}

export class UpdateReminderCommand extends ByIdQuery {
  /** From If-Match when the client sent one; another current version is a 412. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  expectedVersion?: number;

  @RpcBody(() => ReminderPatch)
  patch: ReminderPatch;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ReminderAssignee)
  assignee?: ReminderAssignee;
}

/**
 * The customers service's part of a data hand-over (privacy, issue #14): the card with its
 * sensitive fields in clear (it is for the person), the reminders about them and their current
 * marketing flags. External ids are on the card.
 */
export interface CustomerDataExport {
  customer: CustomerView;
  reminders: ReminderView[];
  marketingConsents: { purpose: string; granted: boolean }[];
}

/** The most ids a page of a search's matches holds. */
export const REPORTABLE_MATCHES_PAGE_MAX = 10_000;

/**
 * One keyset page of the ids of the customers matching a search, by id, in the caller's tenant:
 * the customers report's rows (services/reporting/README.md), matched here by the list's rules.
 */
export class ReportableMatchesQuery {
  @RpcBody(() => CustomerSearchCriteriaDto)
  criteria: CustomerSearchCriteriaDto;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(REPORTABLE_MATCHES_PAGE_MAX)
  limit?: number;

  /** From the previous page: the page starts after its last id. */
  @IsOptional()
  @IsString()
  @Length(1, 500)
  cursor?: string;
}

const { query, write } = rpcOperationsOf('customers');

export const CUSTOMERS = {
  health: query('customers.health', NoData, answers<ServiceHealth>()),
  deadLetters: deadLetterOperationsOf('customers'),
  /** Internal (no gateway route): the reporting rebuild's pages of reportable cards. */
  reportableCards: query(
    'customers.reportable.cards',
    ReportablePageQuery,
    answers<ReportablePage<CustomerReportableV1>>(),
  ),
  /** Internal: the ids of a search's matches in keyset pages, for the customers report. */
  reportableMatches: query(
    'customers.reportable.matches',
    ReportableMatchesQuery,
    answers<ReportablePage<string>>(),
  ),
  /** Internal: the tenants holding cards, for the reporting service's rebuild at its first start. */
  reportableTenants: query(
    'customers.reportable.tenants',
    NoData,
    answers<{ tenantIds: string[] }>(),
  ),
  create: write(
    'customers.customer.create',
    CreateCustomerCommand,
    answers<CreateCustomerResult>(),
  ),
  get: query('customers.customer.get', ByIdQuery, answers<CustomerView>()),
  update: write('customers.customer.update', UpdateCustomerCommand, answers<CustomerView>()),
  search: query('customers.customer.search', SearchCustomersQueryDto, answers<CustomerPage>(), {
    shows: (page) => page.items.map((customer) => customer.id),
  }),
  setGroupMembership: write(
    'customers.customer.group-membership',
    GroupMembershipCommand,
    answers<CustomerView>(),
  ),
  getFieldRules: query('customers.field-rules.get', NoData, answers<FieldRulesDto>()),
  putFieldRules: write('customers.field-rules.put', FieldRulesDto, answers<FieldRulesDto>()),
  listLabels: query('customers.label.list', ListLabelsQuery, answers<CustomerLabelPage>()),
  createLabel: write('customers.label.create', CreateLabelCommand, answers<CustomerLabelView>()),
  renameLabel: write('customers.label.rename', RenameLabelCommand, answers<CustomerLabelView>()),
  deleteLabel: write('customers.label.delete', DeleteLabelCommand, answers<DeleteLabelResult>()),
  createReminder: write(
    'customers.reminder.create',
    CreateReminderCommand,
    answers<ReminderView>(),
  ),
  getReminder: query('customers.reminder.get', ByIdQuery, answers<ReminderView>()),
  listReminders: query('customers.reminder.list', ListRemindersQuery, answers<ReminderPage>()),
  updateReminder: write(
    'customers.reminder.update',
    UpdateReminderCommand,
    answers<ReminderView>(),
  ),
  deleteReminder: write('customers.reminder.delete', ByIdQuery, answers<DeletedReminder>()),
  listDuplicates: query(
    'customers.duplicates.list',
    ListDuplicatesQueryDto,
    answers<DuplicatePairPage>(),
  ),
  /** A suggested pair as a merge takes it: who survives (the one created first). Admin only. */
  duplicatePair: query('customers.duplicates.pair', ByIdQuery, answers<DuplicatePairMerge>()),
  dismissDuplicate: write(
    'customers.duplicates.dismiss',
    DismissDuplicateDto,
    answers<DismissedDuplicateView>(),
  ),
  scanDuplicates: write('customers.duplicates.scan', NoData, answers<DuplicateScanView>()),
  getDuplicateScan: query('customers.duplicates.scan.get', NoData, answers<DuplicateScanView>()),
  /** Everything of the customer this service holds, for the privacy service's data hand-over. */
  exportCustomer: query('customers.customer.export', CustomerRef, answers<CustomerDataExport>()),
  /*
   * Imports (issue #16, docs/import.md), admins only. The commit (`commitImport`) is added with
   * the commit job.
   */
  /** One chunk of an upload, written at its offset (the same chunk again: the same bytes). */
  uploadImportChunk: write(
    'customers.import.upload-chunk',
    UploadImportChunkCommand,
    answers<ImportUploadProgress>(),
  ),
  /** Opens the uploaded file (415/422 at once if it cannot be read) and starts its dry run. */
  startImport: write('customers.import.start', StartImportCommand, answers<ImportView>()),
  getImport: query('customers.import.get', ByIdQuery, answers<ImportView>()),
  /** The tenant's imports, newest first. */
  listImports: query('customers.import.list', ListImportsQueryDto, answers<ImportPage>()),
  /** A page of an import's planned rows, by row number, of one outcome or all. */
  importRows: query('customers.import.rows', ImportRowsQuery, answers<ImportRowPage>()),
  /** One chunk of the import's errors.xlsx (409 before it is planned). */
  importErrorsFile: query(
    'customers.import.errors-file',
    ImportFileChunkQuery,
    answers<ImportFileChunk>(),
  ),
  /** The import template (XLSX) in a locale, whole in one answer (it is a few kB). */
  importTemplate: query(
    'customers.import.template',
    ImportTemplateQuery,
    answers<ImportFileChunk>(),
  ),
  /** Cancels a dry run or a running commit, or deletes a finished import's file and rows. */
  deleteImport: write('customers.import.delete', ByIdQuery, answers<ImportView>()),
  /**
   * Starts the commit of a planned import (409 otherwise) with the policy for its duplicates;
   * a job applies it in batches. Answers the import, `committing`.
   */
  commitImport: write('customers.import.commit', CommitImportCommand, answers<ImportView>()),
} as const;
