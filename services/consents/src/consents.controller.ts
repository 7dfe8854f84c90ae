import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import {
  CONSENTS_RPC,
  ListConsentTextsQueryDto,
  type CallerContext,
  type CommunicationPreferencesView,
  type ConsentTextPage,
  type ConsentTextView,
  type ContactabilityView,
  type CustomerConsentsView,
  type FieldError,
} from '@kanta/contracts';
import { RpcCaller, RpcData } from '@kanta/platform';
import {
  ContactabilityQueryCommandDto,
  CustomerConsentsQueryCommandDto,
  CustomerPreferencesQueryDto,
  GetConsentTextQueryDto,
  PublishConsentTextCommandDto,
  RecordConsentsCommandDto,
  RefreshConsentsCommandDto,
  SetPreferencesCommandDto,
  ValidateConsentsCommandDto,
} from './consents.commands';
import { Contactability } from './contactability/contactability.service';
import { ConsentLedger } from './ledger/consent-ledger.service';
import { CommunicationPreferences } from './preferences/communication-preferences.service';
import { ConsentTextsService, type PublishResult } from './texts/consent-texts.service';

/** The consents service's RPC patterns: thin, each hands over to its service. */
@Controller()
export class ConsentsController {
  constructor(
    private readonly texts: ConsentTextsService,
    private readonly ledger: ConsentLedger,
    private readonly preferences: CommunicationPreferences,
    private readonly contactability: Contactability,
  ) {}

  @MessagePattern(CONSENTS_RPC.publishText)
  publishText(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: PublishConsentTextCommandDto,
  ): Promise<PublishResult> {
    return this.texts.publish(caller, data.text);
  }

  @MessagePattern(CONSENTS_RPC.listTexts)
  listTexts(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: ListConsentTextsQueryDto,
  ): Promise<ConsentTextPage> {
    return this.texts.list(caller, data);
  }

  @MessagePattern(CONSENTS_RPC.getText)
  getText(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: GetConsentTextQueryDto,
  ): Promise<ConsentTextView> {
    return this.texts.get(caller, data.id);
  }

  @MessagePattern(CONSENTS_RPC.customerConsents)
  customerConsents(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: CustomerConsentsQueryCommandDto,
  ): Promise<CustomerConsentsView> {
    return this.ledger.view(caller, data.customerId, data.history ?? false);
  }

  @MessagePattern(CONSENTS_RPC.record)
  record(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: RecordConsentsCommandDto,
  ): Promise<CustomerConsentsView> {
    return this.ledger.record(caller, data.customerId, data.consents);
  }

  @MessagePattern(CONSENTS_RPC.refresh)
  refresh(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: RefreshConsentsCommandDto,
  ): Promise<CustomerConsentsView> {
    return this.ledger.refresh(caller, data.customerId, data.refresh);
  }

  @MessagePattern(CONSENTS_RPC.validate)
  validate(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: ValidateConsentsCommandDto,
  ): Promise<FieldError[]> {
    return this.ledger.check(caller, data.consents);
  }

  @MessagePattern(CONSENTS_RPC.getPreferences)
  getPreferences(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: CustomerPreferencesQueryDto,
  ): Promise<CommunicationPreferencesView> {
    return this.preferences.get(caller, data.customerId);
  }

  @MessagePattern(CONSENTS_RPC.setPreferences)
  setPreferences(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: SetPreferencesCommandDto,
  ): Promise<CommunicationPreferencesView> {
    return this.preferences.set(caller, data.customerId, data.preferences, data.expectedVersion);
  }

  @MessagePattern(CONSENTS_RPC.contactability)
  contactabilityOf(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: ContactabilityQueryCommandDto,
  ): Promise<ContactabilityView> {
    return this.contactability.check(caller, data.customerId, data.purpose, data.channel);
  }
}
