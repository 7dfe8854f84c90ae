import { ReportablePageQuery, type ReportablePage } from '../reporting/rebuild';
import type { ConsentPreferencesChangedV1, ConsentRecordedV1 } from './events';
import { IsBoolean, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import type { FieldError } from '../problem';
import { deadLetterOperationsOf } from '../dead-letters';
import { ByIdQuery, CustomerRef } from '../rpc-data';
import { NoData, RpcBody, answers, rpcOperationsOf, type ServiceHealth } from '../rpc';
import {
  CONTACT_CHANNELS,
  CONTACT_PURPOSES,
  CommunicationPreferencesDto,
  ListConsentTextsQueryDto,
  PublishConsentTextDto,
  RecordConsentsDto,
  RefreshConsentsDto,
  type CommunicationPreferencesView,
  type ConsentTextPage,
  type ConsentTextView,
  type ContactChannel,
  type ContactPurpose,
  type ConsentEntryView,
  type ContactabilityView,
  type CurrentConsentView,
  type CustomerConsentsView,
} from './consent.dto';

/*
 * The consents service's RPC contract: the data of each operation as a class (validated again at
 * the service's edge; the caller's body is the field root, so its field errors read as the caller
 * sent them), and the operations themselves in CONSENTS.
 */

export class PublishConsentTextCommand {
  @RpcBody(() => PublishConsentTextDto)
  text: PublishConsentTextDto;
}

/** What publishing answers: `published` is false when the body equals the text in force. */
export interface PublishConsentTextResult {
  text: ConsentTextView;
  published: boolean;
}

export class CustomerConsentsQuery extends CustomerRef {
  @IsOptional()
  @IsBoolean()
  history?: boolean;
}

export class RecordConsentsCommand extends CustomerRef {
  @RpcBody(() => RecordConsentsDto)
  consents: RecordConsentsDto;
}

export class RefreshConsentsCommand extends CustomerRef {
  @RpcBody(() => RefreshConsentsDto)
  refresh: RefreshConsentsDto;
}

/** Decisions sent with a new customer or a partner's event, checked before anything is made. */
export class ValidateConsentsCommand {
  @RpcBody(() => RecordConsentsDto)
  consents: RecordConsentsDto;
}

export class SetPreferencesCommand extends CustomerRef {
  @RpcBody(() => CommunicationPreferencesDto)
  preferences: CommunicationPreferencesDto;

  /** From If-Match; absent: last write wins. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2_147_483_647)
  expectedVersion?: number;
}

export class ContactabilityQuery extends CustomerRef {
  @IsIn(CONTACT_PURPOSES)
  purpose: ContactPurpose;

  @IsIn(CONTACT_CHANNELS)
  channel: ContactChannel;
}

/**
 * The consents service's part of a data hand-over (privacy, issue #14): the customer's current
 * decisions and whole ledger history, the texts they were given (content and versions) and their
 * communication preferences.
 */
export interface ConsentDataExport {
  current: CurrentConsentView[];
  history: ConsentEntryView[];
  texts: ConsentTextView[];
  preferences: CommunicationPreferencesView;
}

const { query, write } = rpcOperationsOf('consents');

export const CONSENTS = {
  health: query('consents.health', NoData, answers<ServiceHealth>()),
  deadLetters: deadLetterOperationsOf('consents'),
  /** Internal (no gateway route): the reporting rebuild's pages (current decisions by customer and purpose). */
  reportableConsents: query(
    'consents.reportable.consents',
    ReportablePageQuery,
    answers<ReportablePage<ConsentRecordedV1>>(),
  ),
  reportablePreferences: query(
    'consents.reportable.preferences',
    ReportablePageQuery,
    answers<ReportablePage<ConsentPreferencesChangedV1>>(),
  ),
  publishText: write(
    'consents.text.publish',
    PublishConsentTextCommand,
    answers<PublishConsentTextResult>(),
  ),
  listTexts: query('consents.text.list', ListConsentTextsQueryDto, answers<ConsentTextPage>()),
  getText: query('consents.text.get', ByIdQuery, answers<ConsentTextView>()),
  customerConsents: query(
    'consents.customer.get',
    CustomerConsentsQuery,
    answers<CustomerConsentsView>(),
  ),
  record: write('consents.customer.record', RecordConsentsCommand, answers<CustomerConsentsView>()),
  refresh: write(
    'consents.customer.refresh',
    RefreshConsentsCommand,
    answers<CustomerConsentsView>(),
  ),
  validate: query('consents.decisions.validate', ValidateConsentsCommand, answers<FieldError[]>()),
  getPreferences: query(
    'consents.preferences.get',
    CustomerRef,
    answers<CommunicationPreferencesView>(),
  ),
  setPreferences: write(
    'consents.preferences.set',
    SetPreferencesCommand,
    answers<CommunicationPreferencesView>(),
  ),
  contactability: query(
    'consents.contactability.get',
    ContactabilityQuery,
    answers<ContactabilityView>(),
  ),
  /** Everything of the customer this service holds, for the privacy service's data hand-over. */
  exportCustomer: query('consents.customer.export', CustomerRef, answers<ConsentDataExport>()),
} as const;
