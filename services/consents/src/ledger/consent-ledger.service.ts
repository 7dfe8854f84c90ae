import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  CONSENT_RECORDED_V1,
  type CallerContext,
  type ConsentDecisionDto,
  type ConsentEntryView,
  type ConsentSource,
  type CustomerConsentsView,
  type FieldError,
  type GivenConsentDecision,
  type RecordConsentsDto,
  type RefreshConsentsDto,
} from '@kanta/contracts';
import { CommandLog, Outbox, type OutboxEvent } from '@kanta/messaging';
import { RpcProblem, requireTenant, uuidv7, type WriteCommand } from '@kanta/platform';
import { CustomerDirectory } from '../customers/customer-directory';
import { ConsentTextsRepository, type TextIdentity } from '../texts/consent-texts.repository';
import {
  ConsentLedgerRepository,
  type LedgerEntryRow,
  type NewLedgerEntry,
} from './consent-ledger.repository';

/** Who recorded a decision: a staff user, or a partner system. */
export type Recorder = { userId: string } | { partner: string };

/**
 * The consent ledger: every decision a customer gave, with the exact text version they were
 * shown, where and by whom it was recorded. Recording appends; nothing is ever changed.
 */
@Injectable()
export class ConsentLedger {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: ConsentLedgerRepository,
    private readonly texts: ConsentTextsRepository,
    private readonly customers: CustomerDirectory,
    private readonly outbox: Outbox,
    private readonly commands: CommandLog,
  ) {}

  async view(
    context: CallerContext,
    customerId: string,
    history = false,
  ): Promise<CustomerConsentsView> {
    const tenant = requireTenant(context);
    // A merged duplicate's consents are its survivor's (the answer's customerId says so).
    const { customerId: whose } = await this.customers.requireCurrent(
      context,
      tenant.id,
      customerId,
    );
    const current = await this.repository.current(this.dataSource, tenant.id, whose);
    return {
      customerId: whose,
      current: current.map((row) => ({ ...toEntryView(row), outdated: row.outdated })),
      ...(history
        ? { history: (await this.repository.history(tenant.id, whose)).map(toEntryView) }
        : {}),
    };
  }

  /** Field errors of decisions that cannot be recorded; nothing is written. */
  async check(context: CallerContext, input: RecordConsentsDto): Promise<FieldError[]> {
    return this.problems(this.dataSource, requireTenant(context).id, input.decisions);
  }

  /** Field errors (`decisions.<i>.…`) of decisions the tenant's texts cannot back. */
  async problems(
    runner: EntityManager | DataSource,
    tenantId: string,
    decisions: ConsentDecisionDto[],
  ): Promise<FieldError[]> {
    return (await this.resolve(runner, tenantId, decisions)).errors;
  }

  /**
   * Appends the decisions reception took from the customer. The command delivered again (after a
   * crash between the commit and its answer) appends nothing and answers the ledger as it is.
   */
  async record(
    context: CallerContext,
    customerId: string,
    input: RecordConsentsDto,
    command: WriteCommand,
  ): Promise<CustomerConsentsView> {
    requireTenant(context);
    return this.commands.once(
      command,
      async () => {
        const tenant = requireTenant(context);
        await this.customers.require(context, tenant.id, customerId);
        const { errors, texts } = await this.resolve(this.dataSource, tenant.id, input.decisions);
        if (errors.length > 0) throw RpcProblem.validation(errors);
        await this.dataSource.transaction(async (manager) => {
          await this.customers.requireChangeable(manager, tenant.id, customerId);
          await this.append(
            manager,
            context.correlationId ?? null,
            tenant.id,
            customerId,
            {
              source: input.source ?? 'reception',
              recorder: { userId: context.userId },
              decisions: input.decisions,
            },
            texts,
          );
          await this.commands.record(manager, command, { id: customerId });
        });
        return this.view(context, customerId);
      },
      () => this.view(context, customerId),
    );
  }

  /**
   * Re-records the customer's current decisions against the texts now in force (the newest
   * version of each purpose in the locale the customer was last shown): what reception does when
   * the customer agrees again to a changed text.
   */
  async refresh(
    context: CallerContext,
    customerId: string,
    input: RefreshConsentsDto,
    command: WriteCommand,
  ): Promise<CustomerConsentsView> {
    requireTenant(context);
    return this.commands.once(
      command,
      () => this.refreshOnce(context, customerId, input, command),
      () => this.view(context, customerId),
    );
  }

  private async refreshOnce(
    context: CallerContext,
    customerId: string,
    input: RefreshConsentsDto,
    command: WriteCommand,
  ): Promise<CustomerConsentsView> {
    const tenant = requireTenant(context);
    await this.customers.require(context, tenant.id, customerId);
    await this.dataSource.transaction(async (manager) => {
      await this.customers.requireChangeable(manager, tenant.id, customerId);
      const current = await this.repository.current(manager, tenant.id, customerId);
      const chosen = input.purposes
        ? current.filter((row) => input.purposes?.includes(row.purpose))
        : current;
      const missing = (input.purposes ?? []).filter((p) => !current.some((r) => r.purpose === p));
      if (missing.length > 0) {
        throw RpcProblem.validation([
          {
            field: 'purposes',
            reason: 'no_decision',
            message: `the customer has no decision to refresh for ${missing.join(', ')}`,
          },
        ]);
      }
      if (chosen.length === 0) {
        throw RpcProblem.validation([
          {
            field: 'purposes',
            reason: 'no_decision',
            message: 'the customer has no consent decisions to refresh',
          },
        ]);
      }
      const decisions: ConsentDecisionDto[] = [];
      const untexted: string[] = [];
      for (const row of chosen) {
        // A decision imported under an unknown text was shown no locale: the tenant's.
        const locale = row.text_locale ?? tenant.locale;
        const inForce = await this.texts.latest(manager, tenant.id, row.purpose, locale);
        const textId = inForce?.id ?? row.text_id;
        if (textId === null) {
          untexted.push(row.purpose);
          continue;
        }
        decisions.push({
          purpose: row.purpose,
          decision: row.decision,
          textId,
          ...(input.evidence ? { evidence: input.evidence } : {}),
        });
      }
      if (untexted.length > 0) {
        throw RpcProblem.validation([
          {
            field: 'purposes',
            reason: 'no_text',
            message:
              `no consent text in ${tenant.locale} to refresh ${untexted.join(', ')} against ` +
              '(imported under an unknown text): publish one, or record the decision with its text',
          },
        ]);
      }
      const texts = await this.texts.identify(
        manager,
        tenant.id,
        decisions.map((d) => d.textId),
      );
      await this.append(
        manager,
        context.correlationId ?? null,
        tenant.id,
        customerId,
        { source: input.source ?? 'reception', recorder: { userId: context.userId }, decisions },
        texts,
      );
      await this.commands.record(manager, command, { id: customerId });
    });
    return this.view(context, customerId);
  }

  /**
   * Decisions that arrived with an event (given at reception when the customer was created, or
   * by a partner): the valid ones are recorded in the handler's transaction; an invalid one is
   * skipped and reported to the caller, since retrying the event cannot fix it.
   */
  async recordFromEvent(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
    correlationId: string | null,
    given: { source: ConsentSource; recorder: Recorder; decisions: GivenConsentDecision[] },
  ): Promise<FieldError[]> {
    const { errors, valid, texts } = await this.resolve(
      manager,
      tenantId,
      given.decisions,
      given.source,
    );
    if (valid.length > 0) {
      await this.append(
        manager,
        correlationId,
        tenantId,
        customerId,
        { ...given, decisions: valid },
        texts,
      );
    }
    return errors;
  }

  private async append(
    manager: EntityManager,
    correlationId: string | null,
    tenantId: string,
    customerId: string,
    given: { source: ConsentSource; recorder: Recorder; decisions: GivenConsentDecision[] },
    texts: Map<string, TextIdentity>,
  ): Promise<void> {
    const entries: NewLedgerEntry[] = given.decisions.map((d) => ({
      id: uuidv7(),
      customerId,
      purpose: d.purpose,
      decision: d.decision,
      // As stored: a partner may send the id in capitals. null: imported under an unknown text.
      textId: d.textId?.toLowerCase() ?? null,
      source: given.source,
      recordedByUser: 'userId' in given.recorder ? given.recorder.userId : null,
      recordedByPartner: 'partner' in given.recorder ? given.recorder.partner : null,
      evidence: d.evidence ?? null,
    }));
    await this.write(
      manager,
      correlationId,
      tenantId,
      entries.map((entry) => ({
        ...entry,
        textVersion:
          entry.textId === null ? null : (texts.get(entry.textId) as TextIdentity).version,
      })),
    );
  }

  /**
   * Appends entries and publishes `consents.consent.recorded.v1` for each, in the caller's
   * transaction: recording a decision, and a merge's or its undo's entries (CustomerMerges).
   */
  async write(
    manager: EntityManager,
    correlationId: string | null,
    tenantId: string,
    entries: (NewLedgerEntry & { textVersion: number | null })[],
  ): Promise<void> {
    if (entries.length === 0) return;
    const recordedAt = await this.repository.append(manager, tenantId, entries);
    const events: OutboxEvent[] = entries.map((entry) => ({
      type: CONSENT_RECORDED_V1,
      tenantId,
      correlationId,
      payload: {
        customerId: entry.customerId,
        entryId: entry.id,
        purpose: entry.purpose,
        decision: entry.decision,
        textId: entry.textId,
        textVersion: entry.textVersion,
        source: entry.source,
        recordedAt: recordedAt.toISOString(),
        ...(entry.mergeId ? { mergeId: entry.mergeId } : {}),
      },
    }));
    await this.outbox.enqueue(manager, events);
  }

  /**
   * Each decision must name a text of the tenant for its own purpose, one decision per purpose;
   * only an import's may name none (given under an unknown text: recorded, and outdated).
   */
  private async resolve<D extends GivenConsentDecision>(
    runner: EntityManager | DataSource,
    tenantId: string,
    decisions: D[],
    source?: ConsentSource,
  ): Promise<{
    errors: FieldError[];
    valid: D[];
    texts: Map<string, TextIdentity>;
  }> {
    const texts = await this.texts.identify(
      runner,
      tenantId,
      decisions.flatMap((d) => (d.textId === null ? [] : [d.textId])),
    );
    const errors: FieldError[] = [];
    const valid: D[] = [];
    const purposes = new Set<string>();
    decisions.forEach((decision, i) => {
      const text = decision.textId === null ? null : texts.get(decision.textId.toLowerCase());
      if (purposes.has(decision.purpose)) {
        errors.push({
          field: `decisions.${i}.purpose`,
          reason: 'duplicate',
          message: 'one decision per purpose in a call',
        });
      } else if (decision.textId === null) {
        if (source === 'import') valid.push(decision);
        else {
          errors.push({
            field: `decisions.${i}.textId`,
            reason: 'required',
            message: 'textId must name the consent text shown (only an import may name none)',
          });
        }
      } else if (!text) {
        errors.push({
          field: `decisions.${i}.textId`,
          reason: 'unknown_text',
          message: 'textId must be a consent text of your tenant',
        });
      } else if (text.purpose !== decision.purpose && source === 'import') {
        // An import names one text for all its consent columns; a column of another purpose
        // was given under a text we do not have: recorded as such, hence outdated.
        valid.push({ ...decision, textId: null });
      } else if (text.purpose !== decision.purpose) {
        errors.push({
          field: `decisions.${i}.textId`,
          reason: 'wrong_purpose',
          message: `the text is for ${text.purpose}, not ${decision.purpose}`,
        });
      } else {
        valid.push(decision);
      }
      purposes.add(decision.purpose);
    });
    return { errors, valid, texts };
  }
}

export function toEntryView(row: LedgerEntryRow): ConsentEntryView {
  return {
    id: row.id,
    customerId: row.customer_id,
    purpose: row.purpose,
    decision: row.decision,
    textId: row.text_id,
    textVersion: row.text_version,
    textLocale: row.text_locale as ConsentEntryView['textLocale'],
    source: row.source,
    recordedBy: { userId: row.recorded_by_user, partner: row.recorded_by_partner },
    recordedAt: row.recorded_at.toISOString(),
    evidence: row.evidence,
    mergeId: row.merge_id,
    mergedEntryId: row.merged_entry_id,
  };
}
