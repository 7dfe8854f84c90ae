import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  CONSENT_PREFERENCES_CHANGED_V1,
  type CallerContext,
  type CommunicationPreferencesDto,
  type CommunicationPreferencesView,
  type PreferredChannel,
} from '@kanta/contracts';
import { CommandLog, Outbox } from '@kanta/messaging';
import { RpcProblem, requireTenant, type WriteCommand } from '@kanta/platform';
import { CustomerDirectory } from '../customers/customer-directory';
import type { Recorder } from '../ledger/consent-ledger.service';

export interface PreferencesRow {
  customer_id: string;
  blocked: boolean;
  preferred_channel: PreferredChannel;
  service_notifications: boolean;
  version: number;
  updated_at: Date | null;
}

/** What a customer who never said anything has: not blocked, no preferred channel, notified. */
export const PREFERENCE_DEFAULTS = {
  blocked: false,
  preferred_channel: 'none',
  service_notifications: true,
} as const;

/**
 * Blocked (no messages of any kind), preferred channel and service notifications: set by staff
 * or by the customer through a partner (online check-in). Every change is an event.
 */
@Injectable()
export class CommunicationPreferences {
  constructor(
    private readonly dataSource: DataSource,
    private readonly customers: CustomerDirectory,
    private readonly outbox: Outbox,
    private readonly commands: CommandLog,
  ) {}

  async get(context: CallerContext, customerId: string): Promise<CommunicationPreferencesView> {
    const tenant = requireTenant(context);
    // A merged duplicate's preferences are its survivor's (the answer's customerId says so).
    const { customerId: whose } = await this.customers.requireCurrent(
      context,
      tenant.id,
      customerId,
    );
    return toView(whose, await this.find(this.dataSource.manager, tenant.id, whose));
  }

  /** Changes the settings; the command delivered again answers them as they are now. */
  async set(
    context: CallerContext,
    customerId: string,
    input: CommunicationPreferencesDto,
    expectedVersion: number | undefined,
    command: WriteCommand,
  ): Promise<CommunicationPreferencesView> {
    requireTenant(context);
    return this.commands.once(
      command,
      () => this.setOnce(context, customerId, input, expectedVersion, command),
      () => this.get(context, customerId),
    );
  }

  private async setOnce(
    context: CallerContext,
    customerId: string,
    input: CommunicationPreferencesDto,
    expectedVersion: number | undefined,
    command: WriteCommand,
  ): Promise<CommunicationPreferencesView> {
    const tenant = requireTenant(context);
    await this.customers.require(context, tenant.id, customerId);
    if (
      input.blocked === undefined &&
      input.preferredChannel === undefined &&
      input.serviceNotifications === undefined
    ) {
      throw RpcProblem.validation([
        {
          field: 'blocked',
          reason: 'required_one_of',
          message: 'send at least one of blocked, preferredChannel, serviceNotifications',
        },
      ]);
    }
    const row = await this.dataSource.transaction(async (manager) => {
      await this.customers.requireChangeable(manager, tenant.id, customerId);
      const applied = await this.apply(
        manager,
        context.correlationId ?? null,
        tenant.id,
        customerId,
        input,
        { recorder: { userId: context.userId }, expectedVersion },
      );
      await this.commands.record(manager, command, { id: customerId });
      return applied;
    });
    return toView(customerId, row);
  }

  /** Merges the given settings into the stored ones (in the caller's transaction). */
  async apply(
    manager: EntityManager,
    correlationId: string | null,
    tenantId: string,
    customerId: string,
    input: CommunicationPreferencesDto,
    /** `recorder` null: a merge of customers or its undo changed them (CustomerMerges). */
    options: { recorder: Recorder | null; expectedVersion?: number },
  ): Promise<PreferencesRow> {
    const current = await this.find(manager, tenantId, customerId, true);
    const version = current?.version ?? 0;
    if (options.expectedVersion !== undefined && options.expectedVersion !== version) {
      throw RpcProblem.preconditionFailed(
        `The preferences are at version ${version}, not ${options.expectedVersion}; read them again.`,
      );
    }
    const next = {
      blocked: input.blocked ?? current?.blocked ?? PREFERENCE_DEFAULTS.blocked,
      preferred_channel:
        input.preferredChannel ??
        current?.preferred_channel ??
        PREFERENCE_DEFAULTS.preferred_channel,
      service_notifications:
        input.serviceNotifications ??
        current?.service_notifications ??
        PREFERENCE_DEFAULTS.service_notifications,
    };
    if (
      current &&
      current.blocked === next.blocked &&
      current.preferred_channel === next.preferred_channel &&
      current.service_notifications === next.service_notifications
    ) {
      return current;
    }
    const recorder = options.recorder ?? {};
    const user = 'userId' in recorder ? recorder.userId : null;
    const partner = 'partner' in recorder ? recorder.partner : null;
    const rows = await manager.query<PreferencesRow[]>(
      `INSERT INTO consents.preferences (tenant_id, customer_id, blocked, preferred_channel,
         service_notifications, updated_by_user, updated_by_partner)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant_id, customer_id) DO UPDATE SET
         blocked = EXCLUDED.blocked, preferred_channel = EXCLUDED.preferred_channel,
         service_notifications = EXCLUDED.service_notifications,
         updated_by_user = EXCLUDED.updated_by_user,
         updated_by_partner = EXCLUDED.updated_by_partner,
         version = preferences.version + 1, updated_at = now()
       RETURNING customer_id, blocked, preferred_channel, service_notifications, version, updated_at`,
      [
        tenantId,
        customerId,
        next.blocked,
        next.preferred_channel,
        next.service_notifications,
        user,
        partner,
      ],
    );
    const row = rows[0];
    await this.outbox.enqueue(manager, [
      {
        type: CONSENT_PREFERENCES_CHANGED_V1,
        tenantId,
        correlationId,
        payload: {
          customerId,
          blocked: row.blocked,
          preferredChannel: row.preferred_channel,
          serviceNotifications: row.service_notifications,
          version: row.version,
        },
      },
    ]);
    return row;
  }

  async find(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
    forUpdate = false,
  ): Promise<PreferencesRow | null> {
    const rows = await manager.query<PreferencesRow[]>(
      `SELECT customer_id, blocked, preferred_channel, service_notifications, version, updated_at
         FROM consents.preferences WHERE tenant_id = $1 AND customer_id = $2
         ${forUpdate ? 'FOR UPDATE' : ''}`,
      [tenantId, customerId],
    );
    return rows[0] ?? null;
  }
}

function toView(customerId: string, row: PreferencesRow | null): CommunicationPreferencesView {
  return {
    customerId,
    blocked: row?.blocked ?? PREFERENCE_DEFAULTS.blocked,
    preferredChannel: row?.preferred_channel ?? PREFERENCE_DEFAULTS.preferred_channel,
    serviceNotifications: row?.service_notifications ?? PREFERENCE_DEFAULTS.service_notifications,
    version: row?.version ?? 0,
    updatedAt: row?.updated_at ? row.updated_at.toISOString() : null,
  };
}
