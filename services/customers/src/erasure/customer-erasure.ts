import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CUSTOMER_REPORTABLE_V1, type PartnerContact } from '@kanta/contracts';
import {
  ErasureParticipant,
  EventConsumer,
  Outbox,
  type ErasureCounts,
  type ServiceErasure,
} from '@kanta/messaging';
import { customerUpdatedEvent } from '../customers/customer-events';
import { CUSTOMERS_SCHEMA } from '../database/schema';
import {
  contactKeys,
  erasedContactHash,
  lockContactKeys,
  partnerContactKeys,
} from '../partner-contacts/partner-contacts.consumer';
import { SensitiveData } from '../sensitive/sensitive-data';
import { ReminderJobs } from '../reminders/reminder-jobs';
import { ErasureRepository, type ErasedTable } from './erasure.repository';

/** The counts' names of the tables whose rows of the customer are deleted. */
const DELETED: [kind: string, table: ErasedTable][] = [
  ['externalIds', 'customer_external_ids'],
  ['marketingConsents', 'customer_marketing_consents'],
  ['vehicleLinks', 'customer_vehicles'],
  ['duplicatePairs', 'duplicate_pairs'],
  ['merges', 'customer_merges'],
  ['importRows', 'import_rows'],
];

/**
 * The customers service's part in the privacy service's erasure saga (issue #14), through the
 * participant mechanism of libs/messaging: on `privacy.erasure.requested.v1` the customer becomes
 * an erased shell in the transaction of the request's inbox, and the answer names what was
 * cleared, by kind. The shell keeps what the business history of other services points at (id,
 * number, kind, origin, stations, dates); the write paths refuse it with 409 `customer-erased`,
 * search, duplicate detection and partner contacts never find it.
 *
 * Counts add `reportingEvents` when unpublished events of the reporting stream were deleted.
 *
 * A request delivered again is skipped by the inbox; a second request for an erased customer
 * (a retry of the saga) clears whatever is left and publishes nothing.
 */
@Injectable()
export class CustomerErasure implements OnModuleInit {
  private readonly logger = new Logger('CustomerErasure');

  constructor(
    private readonly events: EventConsumer,
    private readonly outbox: Outbox,
    private readonly repository: ErasureRepository,
    private readonly reminderJobs: ReminderJobs,
    private readonly sensitive: SensitiveData,
  ) {}

  onModuleInit(): void {
    new ErasureParticipant('customers', CUSTOMERS_SCHEMA).register(
      this.events,
      this.outbox,
      (manager, tenantId, customerId) => this.erase(manager, tenantId, customerId),
    );
  }

  async erase(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
  ): Promise<ServiceErasure> {
    const customer = await this.repository.lockCustomer(manager, tenantId, customerId);
    const keys = customer
      ? contactKeys({
          externalIds: customer.external_ids,
          phone: customer.phone,
          email: customer.email,
        })
      : [];
    // A partner event resolving these details now waits, then finds no one and makes a new
    // customer; one that resolved them first has its answer found below.
    await lockContactKeys(
      manager,
      keys.map((key) => ({ tenantId, key })),
    );
    const messageIds = await this.repository.partnerEventsOf(
      manager,
      tenantId,
      customerId,
      keys,
      (payload) => partnerContactKeys(contactIn(payload)),
    );

    const reminderIds = await this.repository.deleteReminders(manager, tenantId, customerId);
    const counts: ErasureCounts = {
      customers: 0,
      reminders: reminderIds.length,
      reminderJobs: await this.removeReminderJobs(reminderIds),
      commands: await this.repository.forgetCommandRequests(manager, tenantId, [
        customerId,
        ...reminderIds,
      ]),
    };
    for (const [kind, table] of DELETED) {
      counts[kind] = await this.repository.deleteRows(manager, table, tenantId, customerId);
    }

    // What a partner event made before now but handled later is matched against (keyed hashes).
    if (keys.length > 0) {
      await manager.query(
        `INSERT INTO customers.erased_contacts (tenant_id, key_hash, customer_id)
         SELECT $1, unnest($2::bytea[]), $3
         ON CONFLICT (tenant_id, key_hash) DO UPDATE
           SET customer_id = EXCLUDED.customer_id, erased_at = EXCLUDED.erased_at`,
        [tenantId, keys.map((key) => erasedContactHash(this.sensitive, tenantId, key)), customerId],
      );
    }
    const erased = await this.repository.clearCustomer(manager, tenantId, customerId);
    if (erased && customer) {
      counts.customers = 1;
      await this.outbox.enqueue(manager, [
        customerUpdatedEvent({ correlationId: null }, tenantId, erased, [
          ...customer.filled,
          'status',
        ]),
      ]);
    }
    // The reporting stream's versions of the card still waiting to be published carry its
    // values (published ones are forgotten at once, and the participant deletes any left): they
    // go. The shell's own event, written by the card's trigger just above, stays: it tells the
    // reporting service the card is erased.
    const [, reportingEvents] = await manager.query<[unknown, number]>(
      `DELETE FROM customers.outbox
        WHERE tenant_id = $1 AND type = $2 AND published_at IS NULL
          AND envelope -> 'payload' ->> 'customerId' = $3
          AND envelope -> 'payload' ->> 'status' <> 'erased'`,
      [tenantId, CUSTOMER_REPORTABLE_V1, customerId],
    );
    if (reportingEvents > 0) counts.reportingEvents = reportingEvents;
    return { counts, messageIds };
  }

  /**
   * The reminders' jobs go from Redis before the commit: should the transaction fail after, the
   * reminders stay and the sweep makes them due without their jobs (the row is the truth). When
   * Redis cannot be reached the erasure goes on: a job holds ids only, and one that finds no
   * reminder does nothing and is removed.
   */
  private async removeReminderJobs(reminderIds: string[]): Promise<number> {
    try {
      return await this.reminderJobs.removeJobsOf(reminderIds);
    } catch (error) {
      this.logger.warn(
        `${reminderIds.length} erased reminder(s) may keep a job in Redis until it runs: ` +
          (error as Error).message,
      );
      return 0;
    }
  }
}

/**
 * The identifiers a dead-lettered partner event's payload carries, each only when it has the
 * shape the contract gives it: a dead letter is often a message that broke the contract.
 */
function contactIn(payload: unknown): PartnerContact {
  const contact = (payload as { customer?: unknown } | null | undefined)?.customer;
  if (typeof contact !== 'object' || contact === null) return {};
  const { phone, email, externalId } = contact as Record<string, unknown>;
  const ext = externalId as { system?: unknown; id?: unknown } | null | undefined;
  return {
    phone: typeof phone === 'string' ? phone : undefined,
    email: typeof email === 'string' ? email : undefined,
    externalId:
      typeof ext?.system === 'string' && typeof ext.id === 'string'
        ? { system: ext.system, id: ext.id }
        : undefined,
  };
}
