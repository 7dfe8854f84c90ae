import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  EventConsumer,
  MergeParticipant,
  Outbox,
  type CustomerMerger,
  type MergeRef,
  type ServiceMerge,
} from '@kanta/messaging';
import { refreshMarketingConsents } from '../consents/marketing-consents.consumer';
import { customerUpdatedEvent } from '../customers/customer-events';
import type { CustomerRow } from '../customers/customer-row';
import { CustomersRepository } from '../customers/customers.repository';
import { contactKeys, lockContactKeys } from '../partner-contacts/partner-contacts.consumer';
import { refreshVehicleText } from '../vehicle-search/vehicle-search.consumer';
import { mergeCards, unmergeCards } from './card-merge';
import { fingerprintOf } from '@kanta/platform';
import { MergeRepository } from './merge.repository';

/**
 * The customers service's part in the privacy service's merge saga (issue #14), through the
 * participant mechanism of libs/messaging: on `privacy.merge.requested.v1` the survivor's card
 * takes what it lacks from the duplicate's, the duplicate's reminders, vehicle links, marketing
 * decisions and external ids move to the survivor, and the duplicate becomes `merged` (its card
 * kept as it was) — in the transaction of the request's inbox. What moved is remembered in
 * `customer_merges` (field names, ids and hashes, never values) for the undo, which moves back
 * what is still as the merge left it. The answer names the conflicting fields and counts.
 */
@Injectable()
export class CustomerMerge implements OnModuleInit, CustomerMerger {
  private readonly logger = new Logger('CustomerMerge');

  constructor(
    private readonly events: EventConsumer,
    private readonly outbox: Outbox,
    private readonly customers: CustomersRepository,
    private readonly repository: MergeRepository,
  ) {}

  onModuleInit(): void {
    new MergeParticipant('customers', null).register(this.events, this.outbox, this);
  }

  async merge(manager: EntityManager, tenantId: string, ref: MergeRef): Promise<ServiceMerge> {
    const earlier = await this.repository.findMerge(manager, tenantId, ref.mergeId);
    if (earlier) return { counts: {}, conflicts: earlier.conflicts };
    const pair = await this.lockPair(manager, tenantId, ref);
    if (!pair) return { counts: { customers: 0 } };
    const { survivor, duplicate } = pair;
    // The privacy service checked both; a merge or an erasure that came between is not undone.
    if (
      survivor.status === 'erased' ||
      survivor.status === 'merged' ||
      duplicate.status === 'erased' ||
      duplicate.status === 'merged'
    ) {
      this.logger.warn(
        `Merge ${ref.mergeId}: ${ref.duplicateId} (${duplicate.status}) into ${ref.survivorId} ` +
          `(${survivor.status}) moves nothing`,
      );
      return { counts: { customers: 0 } };
    }

    const card = mergeCards(survivor, duplicate);
    const updated = await this.customers.update(manager, tenantId, survivor.id, card.write);
    const externalIds = await this.repository.moveExternalIds(
      manager,
      tenantId,
      duplicate.id,
      survivor.id,
      'all',
    );
    const reminders = await this.repository.moveReminders(
      manager,
      tenantId,
      duplicate.id,
      survivor.id,
      null,
    );
    const vehicles = await this.repository.moveVehicleLinks(
      manager,
      tenantId,
      duplicate.id,
      survivor.id,
      null,
    );
    const consents = await this.repository.moveMarketingConsents(
      manager,
      tenantId,
      duplicate.id,
      survivor.id,
      null,
    );
    await this.refreshProjections(manager, tenantId, pair, vehicles.length, consents.length);
    const pairs = await this.repository.deletePairsOf(manager, tenantId, duplicate.id, survivor.id);
    const merged = await this.repository.markMerged(manager, tenantId, duplicate.id, survivor.id);
    await this.repository.recordMerge(manager, tenantId, {
      merge_id: ref.mergeId,
      survivor_id: survivor.id,
      duplicate_id: duplicate.id,
      duplicate_status: duplicate.status,
      taken_fields: card.taken,
      conflicts: card.conflicts,
      added: card.added,
      moved: { reminders, vehicles, marketingConsents: consents },
      pair_id: pairs.pairId,
    });
    const gained = Object.entries({
      groupIds: card.added.groupIds,
      stationIds: card.added.stationIds,
      addresses: card.added.addresses,
      documents: card.added.documents,
      externalIds: card.added.externalIds,
    }).flatMap(([field, items]) => (items.length > 0 ? [field] : []));
    await this.outbox.enqueue(manager, [
      customerUpdatedEvent({ correlationId: null }, tenantId, updated, [...card.taken, ...gained]),
      customerUpdatedEvent({ correlationId: null }, tenantId, merged, ['status']),
    ]);
    return {
      counts: {
        customers: 1,
        fields: card.taken.length,
        groups: card.added.groupIds.length,
        stations: card.added.stationIds.length,
        addresses: card.added.addresses.length,
        documents: card.added.documents.length,
        externalIds,
        reminders: reminders.length,
        vehicleLinks: vehicles.length,
        marketingConsents: consents.length,
        duplicatePairs: pairs.deleted,
      },
      conflicts: card.conflicts,
    };
  }

  async undo(manager: EntityManager, tenantId: string, ref: MergeRef): Promise<ServiceMerge> {
    const record = await this.repository.findMerge(manager, tenantId, ref.mergeId);
    if (!record || record.undone_at) return { counts: {} };
    const pair = await this.lockPair(manager, tenantId, {
      mergeId: ref.mergeId,
      survivorId: record.survivor_id,
      duplicateId: record.duplicate_id,
    });
    await this.repository.markUndone(manager, tenantId, ref.mergeId);
    if (!pair || pair.survivor.status === 'erased' || pair.duplicate.status === 'erased') {
      this.logger.warn(`Undo of merge ${ref.mergeId}: a customer is gone or erased, nothing moved`);
      return { counts: { customers: 0 } };
    }
    const { survivor, duplicate } = pair;
    const card = unmergeCards(survivor, duplicate, record.taken_fields, record.added);
    const updated = await this.customers.update(manager, tenantId, survivor.id, card.write);
    const returnedIds = survivor.external_ids.filter((e) =>
      record.added.externalIds.includes(fingerprintOf(e)),
    );
    const externalIds = await this.repository.moveExternalIds(
      manager,
      tenantId,
      survivor.id,
      duplicate.id,
      returnedIds,
    );
    const reminders = await this.repository.moveReminders(
      manager,
      tenantId,
      survivor.id,
      duplicate.id,
      record.moved.reminders,
    );
    const vehicles = await this.repository.moveVehicleLinks(
      manager,
      tenantId,
      survivor.id,
      duplicate.id,
      record.moved.vehicles,
    );
    const consents =
      record.moved.marketingConsents.length > 0
        ? await this.repository.moveMarketingConsents(
            manager,
            tenantId,
            survivor.id,
            duplicate.id,
            record.moved.marketingConsents,
          )
        : [];
    await this.refreshProjections(manager, tenantId, pair, vehicles.length, consents.length);
    const restored = await this.repository.unmarkMerged(
      manager,
      tenantId,
      duplicate.id,
      survivor.id,
      record.duplicate_status,
    );
    await this.outbox.enqueue(manager, [
      customerUpdatedEvent({ correlationId: null }, tenantId, updated, card.changed),
      ...(restored
        ? [customerUpdatedEvent({ correlationId: null }, tenantId, restored, ['status'])]
        : []),
    ]);
    return {
      counts: {
        customers: restored ? 1 : 0,
        fields: card.changed.length,
        externalIds,
        reminders: reminders.length,
        vehicleLinks: vehicles.length,
        marketingConsents: consents.length,
      },
    };
  }

  /**
   * Both customers, locked FOR UPDATE in id order (the order an erasure of both would take), with
   * the contact identifiers partner-contact resolution locks: a partner event resolving them
   * waits and then finds the merged card (which it answers with the survivor). Null when either
   * is not a customer of the tenant, or they are one.
   */
  private async lockPair(
    manager: EntityManager,
    tenantId: string,
    ref: MergeRef,
  ): Promise<{ survivor: CustomerRow; duplicate: CustomerRow } | null> {
    if (ref.survivorId === ref.duplicateId) return null;
    const rows = new Map<string, CustomerRow>();
    for (const id of [ref.survivorId, ref.duplicateId].sort()) {
      const row = await this.customers.findById(tenantId, id, { manager, forUpdate: true });
      if (!row) {
        this.logger.warn(`Merge ${ref.mergeId}: customer ${id} not found, nothing moved`);
        return null;
      }
      rows.set(id, row);
    }
    const survivor = rows.get(ref.survivorId)!;
    const duplicate = rows.get(ref.duplicateId)!;
    const keys = [survivor, duplicate].flatMap((c) =>
      contactKeys({ externalIds: c.external_ids, phone: c.phone, email: c.email }),
    );
    await lockContactKeys(
      manager,
      [...new Set(keys)].sort().map((key) => ({ tenantId, key })),
    );
    return { survivor, duplicate };
  }

  private async refreshProjections(
    manager: EntityManager,
    tenantId: string,
    pair: { survivor: CustomerRow; duplicate: CustomerRow },
    vehiclesMoved: number,
    consentsMoved: number,
  ): Promise<void> {
    const ids = [pair.survivor.id, pair.duplicate.id].sort();
    if (vehiclesMoved > 0) {
      await refreshVehicleText(
        manager,
        ids.map((id) => [tenantId, id]),
      );
    }
    if (consentsMoved > 0) await refreshMarketingConsents(manager, tenantId, ids);
  }
}
