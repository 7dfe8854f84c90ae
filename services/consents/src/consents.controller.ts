import { Controller } from '@nestjs/common';
import {
  CONSENTS,
  type ByIdQuery,
  type CallerContext,
  type CommunicationPreferencesView,
  type ConsentDataExport,
  type ConsentTextPage,
  type ConsentTextView,
  type ContactabilityQuery,
  type ContactabilityView,
  type CustomerConsentsQuery,
  type CustomerConsentsView,
  type CustomerRef,
  type FieldError,
  type ListConsentTextsQueryDto,
  type PublishConsentTextCommand,
  type PublishConsentTextResult,
  type RecordConsentsCommand,
  type RefreshConsentsCommand,
  type SetPreferencesCommand,
  type ValidateConsentsCommand,
} from '@kanta/contracts';
import { Handles, type WriteCommand } from '@kanta/platform';
import { Contactability } from './contactability/contactability.service';
import { ConsentDataExports } from './export/consent-data-export';
import { ConsentLedger } from './ledger/consent-ledger.service';
import { CommunicationPreferences } from './preferences/communication-preferences.service';
import { ConsentTextsService } from './texts/consent-texts.service';

/** The consents service's RPC operations: thin, each hands over to its service. */
@Controller()
export class ConsentsController {
  constructor(
    private readonly texts: ConsentTextsService,
    private readonly ledger: ConsentLedger,
    private readonly preferences: CommunicationPreferences,
    private readonly contactability: Contactability,
    private readonly exports: ConsentDataExports,
  ) {}

  @Handles(CONSENTS.publishText)
  publishText(
    caller: CallerContext,
    data: PublishConsentTextCommand,
    command: WriteCommand,
  ): Promise<PublishConsentTextResult> {
    return this.texts.publish(caller, data.text, command);
  }

  @Handles(CONSENTS.listTexts)
  listTexts(caller: CallerContext, data: ListConsentTextsQueryDto): Promise<ConsentTextPage> {
    return this.texts.list(caller, data);
  }

  @Handles(CONSENTS.getText)
  getText(caller: CallerContext, data: ByIdQuery): Promise<ConsentTextView> {
    return this.texts.get(caller, data.id);
  }

  @Handles(CONSENTS.customerConsents)
  customerConsents(
    caller: CallerContext,
    data: CustomerConsentsQuery,
  ): Promise<CustomerConsentsView> {
    return this.ledger.view(caller, data.customerId, data.history ?? false);
  }

  @Handles(CONSENTS.record)
  record(
    caller: CallerContext,
    data: RecordConsentsCommand,
    command: WriteCommand,
  ): Promise<CustomerConsentsView> {
    return this.ledger.record(caller, data.customerId, data.consents, command);
  }

  @Handles(CONSENTS.refresh)
  refresh(
    caller: CallerContext,
    data: RefreshConsentsCommand,
    command: WriteCommand,
  ): Promise<CustomerConsentsView> {
    return this.ledger.refresh(caller, data.customerId, data.refresh, command);
  }

  @Handles(CONSENTS.validate)
  validate(caller: CallerContext, data: ValidateConsentsCommand): Promise<FieldError[]> {
    return this.ledger.check(caller, data.consents);
  }

  @Handles(CONSENTS.getPreferences)
  getPreferences(caller: CallerContext, data: CustomerRef): Promise<CommunicationPreferencesView> {
    return this.preferences.get(caller, data.customerId);
  }

  @Handles(CONSENTS.setPreferences)
  setPreferences(
    caller: CallerContext,
    data: SetPreferencesCommand,
    command: WriteCommand,
  ): Promise<CommunicationPreferencesView> {
    return this.preferences.set(
      caller,
      data.customerId,
      data.preferences,
      data.expectedVersion,
      command,
    );
  }

  @Handles(CONSENTS.contactability)
  contactabilityOf(caller: CallerContext, data: ContactabilityQuery): Promise<ContactabilityView> {
    return this.contactability.check(caller, data.customerId, data.purpose, data.channel);
  }

  @Handles(CONSENTS.exportCustomer)
  exportCustomer(caller: CallerContext, data: CustomerRef): Promise<ConsentDataExport> {
    return this.exports.export(caller, data.customerId);
  }
}
