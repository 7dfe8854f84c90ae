import { Injectable } from '@nestjs/common';
import type { CallerContext, ConsentDataExport } from '@kanta/contracts';
import { ConsentLedger } from '../ledger/consent-ledger.service';
import { CommunicationPreferences } from '../preferences/communication-preferences.service';
import { ConsentTextsService } from '../texts/consent-texts.service';

/**
 * This service's part of a data hand-over (privacy, issue #14): the customer's current decisions
 * and whole ledger history, each text a decision was given on (its content and version, once
 * each) and the communication preferences, read through the API's own reads.
 */
@Injectable()
export class ConsentDataExports {
  constructor(
    private readonly ledger: ConsentLedger,
    private readonly texts: ConsentTextsService,
    private readonly preferences: CommunicationPreferences,
  ) {}

  async export(context: CallerContext, customerId: string): Promise<ConsentDataExport> {
    const consents = await this.ledger.view(context, customerId, true);
    const history = consents.history ?? [];
    // A merge's entries name no text of their own (the merged decision's entry does).
    const textIds = [
      ...new Set(history.flatMap((entry) => (entry.textId === null ? [] : [entry.textId]))),
    ];
    const texts = [];
    for (const id of textIds) texts.push(await this.texts.get(context, id));
    return {
      current: consents.current,
      history,
      texts,
      preferences: await this.preferences.get(context, customerId),
    };
  }
}
