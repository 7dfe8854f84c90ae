import { Injectable } from '@nestjs/common';
import {
  CONSENTS,
  type CallerContext,
  type CommunicationPreferencesDto,
  type CommunicationPreferencesView,
  type ConsentTextPage,
  type ConsentTextView,
  type ContactabilityQueryDto,
  type ContactabilityView,
  type CustomerConsentsView,
  type ListConsentTextsQueryDto,
  type PublishConsentTextDto,
  type RecordConsentsDto,
  type RefreshConsentsDto,
} from '@kanta/contracts';
import { ProblemError } from '@kanta/platform';
import type { Caller } from '../auth/auth.decorators';
import { Rpc } from '../core/rpc';
import { HttpResult } from '../http/http-result';
import { versionFromIfMatch } from '../http/if-match';

/** The gateway's half of the consents API: HTTP concerns here, consents in the consents service. */
@Injectable()
export class ConsentsService {
  constructor(private readonly rpc: Rpc) {}

  async publishText(
    caller: Caller,
    text: PublishConsentTextDto,
  ): Promise<HttpResult<ConsentTextView>> {
    const result = await this.rpc.call(CONSENTS.publishText, caller, { text });
    return new HttpResult(result.text, result.published ? 201 : 200, {
      Location: `/api/v1/consent-texts/${result.text.id}`,
    });
  }

  listTexts(caller: Caller, query: ListConsentTextsQueryDto): Promise<ConsentTextPage> {
    return this.rpc.call(CONSENTS.listTexts, caller, { ...query });
  }

  getText(caller: Caller, id: string): Promise<ConsentTextView> {
    return this.rpc.call(CONSENTS.getText, caller, { id });
  }

  customerConsents(
    caller: Caller,
    customerId: string,
    history: boolean,
  ): Promise<CustomerConsentsView> {
    return this.rpc.call(CONSENTS.customerConsents, caller, { customerId, history });
  }

  async record(
    caller: Caller,
    customerId: string,
    consents: RecordConsentsDto,
  ): Promise<HttpResult<CustomerConsentsView>> {
    const view = await this.rpc.call(CONSENTS.record, caller, { customerId, consents });
    return new HttpResult(view, 201);
  }

  async refresh(
    caller: Caller,
    customerId: string,
    refresh: RefreshConsentsDto,
  ): Promise<HttpResult<CustomerConsentsView>> {
    const view = await this.rpc.call(CONSENTS.refresh, caller, { customerId, refresh });
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
    const errors = await this.rpc.call(CONSENTS.validate, { context }, { consents });
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
    return HttpResult.versioned(
      await this.rpc.call(CONSENTS.getPreferences, caller, { customerId }),
    );
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
    return HttpResult.versioned(
      await this.rpc.call(CONSENTS.setPreferences, caller, {
        customerId,
        preferences,
        ...(expectedVersion !== undefined ? { expectedVersion } : {}),
      }),
    );
  }

  contactability(
    caller: Caller,
    customerId: string,
    query: ContactabilityQueryDto,
  ): Promise<ContactabilityView> {
    return this.rpc.call(CONSENTS.contactability, caller, {
      customerId,
      purpose: query.purpose,
      channel: query.channel,
    });
  }
}
