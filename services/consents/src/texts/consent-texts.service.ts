import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  CONSENT_TEXT_PUBLISHED_V1,
  type CallerContext,
  type ConsentTextPage,
  type ConsentTextView,
  type ListConsentTextsQueryDto,
  type PublishConsentTextDto,
  type PublishConsentTextResult,
  isUuid,
} from '@kanta/contracts';
import { CommandLog, Outbox } from '@kanta/messaging';
import { RpcProblem, requireTenant, uuidv7, type WriteCommand } from '@kanta/platform';
import { ConsentTextsRepository, type ConsentTextRow } from './consent-texts.repository';

/**
 * The texts customers are shown when they decide. Publishing creates a new version; no version
 * is ever changed or removed (the database refuses it), so every decision in the ledger can
 * always show the exact words it was given against.
 */
@Injectable()
export class ConsentTextsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: ConsentTextsRepository,
    private readonly outbox: Outbox,
    private readonly commands: CommandLog,
  ) {}

  /**
   * Publishes a new version of a text, unless it says what the one in force says. The command
   * delivered again answers the version it published (as not newly published), not another.
   */
  async publish(
    context: CallerContext,
    input: PublishConsentTextDto,
    command: WriteCommand,
  ): Promise<PublishConsentTextResult> {
    requireTenant(context);
    return this.commands.once(
      command,
      () => this.publishOnce(context, input, command),
      async (earlier) => ({
        text: await this.get(context, earlier.resultId ?? ''),
        // A redelivery answers as the first delivery did; the client's own retry, as a replay.
        published: !command.fromClient && (earlier.answer as { published: boolean }).published,
      }),
    );
  }

  private async publishOnce(
    context: CallerContext,
    input: PublishConsentTextDto,
    command: WriteCommand,
  ): Promise<PublishConsentTextResult> {
    const tenant = requireTenant(context);
    if (context.role !== 'admin') {
      throw RpcProblem.forbidden('Only an admin may publish consent texts.');
    }
    const body = input.body.trim();
    const title = input.title?.trim() || null;
    const contentHash = createHash('sha256').update(body, 'utf8').digest('hex');
    return this.dataSource.transaction(async (manager) => {
      await this.repository.lockPurpose(manager, tenant.id, input.purpose, input.locale);
      const current = await this.repository.latest(manager, tenant.id, input.purpose, input.locale);
      // The same words again would make every decision look outdated for nothing.
      if (current && current.content_hash === contentHash && current.title === title) {
        await this.commands.record(manager, command, {
          id: current.id,
          answer: { published: false },
        });
        return { text: toTextView(current), published: false };
      }
      const text = await this.repository.insert(manager, tenant.id, {
        id: uuidv7(),
        purpose: input.purpose,
        locale: input.locale,
        version: (current?.version ?? 0) + 1,
        title,
        body,
        content_hash: contentHash,
        published_by: context.userId,
      });
      await this.outbox.enqueue(manager, [
        {
          type: CONSENT_TEXT_PUBLISHED_V1,
          tenantId: tenant.id,
          correlationId: context.correlationId ?? null,
          payload: {
            textId: text.id,
            purpose: text.purpose,
            locale: text.locale,
            version: text.version,
            contentHash: text.content_hash,
          },
        },
      ]);
      await this.commands.record(manager, command, { id: text.id, answer: { published: true } });
      return { text: toTextView(text), published: true };
    });
  }

  async list(context: CallerContext, query: ListConsentTextsQueryDto): Promise<ConsentTextPage> {
    const tenant = requireTenant(context);
    const rows = await this.repository.list(tenant.id, {
      purpose: query.purpose,
      locale: query.locale,
      history: query.history ?? false,
    });
    return { items: rows.map(toTextView) };
  }

  async get(context: CallerContext, id: string): Promise<ConsentTextView> {
    const tenant = requireTenant(context);
    const row = isUuid(id) ? await this.repository.findById(tenant.id, id) : null;
    if (!row) throw RpcProblem.notFound('Consent text');
    return toTextView(row);
  }
}

export function toTextView(row: ConsentTextRow): ConsentTextView {
  return {
    id: row.id,
    purpose: row.purpose,
    locale: row.locale as ConsentTextView['locale'],
    version: row.version,
    title: row.title,
    body: row.body,
    contentHash: row.content_hash,
    publishedAt: row.published_at.toISOString(),
    publishedBy: row.published_by,
    superseded: row.superseded,
  };
}
