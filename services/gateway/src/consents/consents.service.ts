import { Inject, Injectable } from '@nestjs/common';
import {
  CONSENTS_RPC,
  type CallerContext,
  type CommunicationPreferencesDto,
  type CommunicationPreferencesView,
  type ConsentTextPage,
  type ConsentTextView,
  type ContactabilityQuery,
  type ContactabilityQueryDto,
  type ContactabilityView,
  type CustomerConsentsQuery,
  type CustomerConsentsView,
  type CustomerPreferencesQuery,
  type FieldError,
  type GetConsentTextQuery,
  type ListConsentTextsQueryDto,
  type PublishConsentTextCommand,
  type PublishConsentTextDto,
  type RecordConsentsCommand,
  type RecordConsentsDto,
  type RefreshConsentsCommand,
  type RefreshConsentsDto,
  type SetPreferencesCommand,
  type ValidateConsentsCommand,
} from '@kanta/contracts';
import { ProblemError, type RpcClient } from '@kanta/platform';
import type { Caller } from '../auth/auth.decorators';
import type { RpcClients } from '../core/core.module';
import { RPC_CLIENTS } from '../core/tokens';
import { HttpResult } from '../http/http-result';
import { versionFromIfMatch } from '../http/if-match';

/** The gateway's half of the consents API: HTTP concerns here, consents in the consents service. */
@Injectable()
export class ConsentsService {
  private readonly rpc: RpcClient;

  constructor(@Inject(RPC_CLIENTS) clients: RpcClients) {
    this.rpc = clients.consents;
  }

  async publishText(
    caller: Caller,
    text: PublishConsentTextDto,
  ): Promise<HttpResult<ConsentTextView>> {
    const result = await this.rpc.send<
      { text: ConsentTextView; published: boolean },
      PublishConsentTextCommand
    >(CONSENTS_RPC.publishText, { context: caller.context, data: { text } });
    return new HttpResult(result.text, result.published ? 201 : 200, {
      Location: `/api/v1/consent-texts/${result.text.id}`,
    });
  }

  listTexts(caller: Caller, query: ListConsentTextsQueryDto): Promise<ConsentTextPage> {
    return this.rpc.send<ConsentTextPage, ListConsentTextsQueryDto>(CONSENTS_RPC.listTexts, {
      context: caller.context,
      data: { ...query },
    });
  }

  getText(caller: Caller, id: string): Promise<ConsentTextView> {
    return this.rpc.send<ConsentTextView, GetConsentTextQuery>(CONSENTS_RPC.getText, {
      context: caller.context,
      data: { id },
    });
  }

  customerConsents(
    caller: Caller,
    customerId: string,
    history: boolean,
  ): Promise<CustomerConsentsView> {
    return this.rpc.send<CustomerConsentsView, CustomerConsentsQuery>(
      CONSENTS_RPC.customerConsents,
      { context: caller.context, data: { customerId, history } },
    );
  }

  async record(
    caller: Caller,
    customerId: string,
    consents: RecordConsentsDto,
  ): Promise<HttpResult<CustomerConsentsView>> {
    const view = await this.rpc.send<CustomerConsentsView, RecordConsentsCommand>(
      CONSENTS_RPC.record,
      { context: caller.context, data: { customerId, consents } },
    );
    return new HttpResult(view, 201);
  }

  async refresh(
    caller: Caller,
    customerId: string,
    refresh: RefreshConsentsDto,
  ): Promise<HttpResult<CustomerConsentsView>> {
    const view = await this.rpc.send<CustomerConsentsView, RefreshConsentsCommand>(
      CONSENTS_RPC.refresh,
      { context: caller.context, data: { customerId, refresh } },
    );
    return new HttpResult(view, 201);
  }

  /**
   * Consent decisions sent with a new customer (or in a partner's event) are checked here before
   * anything is created or published, so a bad one is a 422 and nothing happens; they are
   * recorded from the event that follows. `decisionsField` is where the decisions sit in the
   * request.
   */
  async checkDecisions(
    context: CallerContext,
    consents: RecordConsentsDto | undefined,
    decisionsField = 'consents.decisions',
  ): Promise<void> {
    if (!consents) return;
    const errors = await this.rpc.send<FieldError[], ValidateConsentsCommand>(
      CONSENTS_RPC.validate,
      { context, data: { consents } },
    );
    if (errors.length > 0) {
      throw ProblemError.validation(
        errors.map((e) => ({ ...e, field: e.field.replace(/^decisions/, decisionsField) })),
      );
    }
  }

  async getPreferences(
    caller: Caller,
    customerId: string,
  ): Promise<HttpResult<CommunicationPreferencesView>> {
    const view = await this.rpc.send<CommunicationPreferencesView, CustomerPreferencesQuery>(
      CONSENTS_RPC.getPreferences,
      { context: caller.context, data: { customerId } },
    );
    return new HttpResult(view, 200, { ETag: `"${view.version}"` });
  }

  async setPreferences(
    caller: Caller,
    customerId: string,
    preferences: CommunicationPreferencesDto,
    ifMatch: string | undefined,
  ): Promise<HttpResult<CommunicationPreferencesView>> {
    // If-Match is optional here: preferences are a few switches, last write wins without it.
    // Never-set preferences are at version 0.
    const expectedVersion = ifMatch === undefined ? undefined : versionFromIfMatch(ifMatch, 0);
    const view = await this.rpc.send<CommunicationPreferencesView, SetPreferencesCommand>(
      CONSENTS_RPC.setPreferences,
      {
        context: caller.context,
        data: {
          customerId,
          preferences,
          ...(expectedVersion !== undefined ? { expectedVersion } : {}),
        },
      },
    );
    return new HttpResult(view, 200, { ETag: `"${view.version}"` });
  }

  contactability(
    caller: Caller,
    customerId: string,
    query: ContactabilityQueryDto,
  ): Promise<ContactabilityView> {
    return this.rpc.send<ContactabilityView, ContactabilityQuery>(CONSENTS_RPC.contactability, {
      context: caller.context,
      data: { customerId, purpose: query.purpose, channel: query.channel },
    });
  }
}
