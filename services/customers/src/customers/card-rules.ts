import { Injectable } from '@nestjs/common';
import type { CallerContext, ExternalIdDto, FieldError } from '@kanta/contracts';
import { customerErased, customerMerged, RpcProblem } from '@kanta/platform';
import { fieldRuleViolations } from '../field-rules/field-rules';
import { FieldRulesService } from '../field-rules/field-rules.service';
import { LabelsService } from '../labels/labels.service';
import type { CustomerRow, CustomerWrite } from './customer-row';
import type { BuiltWrite } from './customer-write';
import { CustomersRepository } from './customers.repository';

/** What a card was before a patch, and which of its fields the patch changes. */
export interface CardBefore {
  stationIds: string[];
  changed: string[];
}

/**
 * The rules a card must keep that need more than the card itself: the caller's stations, the
 * tenant's labels and field rules, and the external ids other customers have.
 */
@Injectable()
export class CustomerCardRules {
  constructor(
    private readonly repository: CustomersRepository,
    private readonly fieldRules: FieldRulesService,
    private readonly labels: LabelsService,
  ) {}

  /**
   * What is wrong with a new card, or with a patched one (`before`): a patch is checked only for
   * the stations and labels it changes, so a card that an admin set up stays editable.
   */
  async violations(
    context: CallerContext,
    tenantId: string,
    built: BuiltWrite,
    before?: CardBefore,
  ): Promise<FieldError[]> {
    const changes = (field: string): boolean => !before || before.changed.includes(field);
    return [
      ...(changes('stationIds')
        ? checkStations(context, built.row.station_ids, before?.stationIds)
        : []),
      ...duplicateExternalIds(built.row.external_ids),
      ...(changes('groupIds') || changes('sourceId')
        ? await this.unknownLabels(tenantId, built.row)
        : []),
      ...fieldRuleViolations(await this.fieldRules.rulesFor(tenantId), built.subject),
    ];
  }

  /** The 409 naming which of these external ids another customer has. */
  async externalIdsConflict(
    tenantId: string,
    ids: ExternalIdDto[],
    exceptCustomerId: string | null,
  ): Promise<RpcProblem> {
    const taken = await this.repository.externalIdsTaken(tenantId, ids, exceptCustomerId);
    const errors: FieldError[] = taken.map((t) => ({
      field: `externalIds.${ids.findIndex((i) => i.system === t.system && i.id === t.id)}.id`,
      reason: 'taken',
      message: `external id ${t.system}:${t.id} belongs to another customer`,
    }));
    return RpcProblem.conflict(
      'external-id-taken',
      'External id taken',
      `Another customer already has ${taken.map((t) => `${t.system}:${t.id}`).join(', ') || 'this external id'}.`,
      errors,
    );
  }

  private async unknownLabels(tenantId: string, row: CustomerWrite): Promise<FieldError[]> {
    return [
      ...(await this.labels.unknownLabels(tenantId, 'group', row.group_ids)),
      ...(await this.labels.unknownLabels(
        tenantId,
        'source',
        row.source_id === null ? [] : [row.source_id],
      )),
    ];
  }
}

/**
 * A station added to a customer must be one the caller works at (an admin's list is the whole
 * tenant's), so no customer is tied to a station of another tenant. A worker keeps the stations
 * of other colleagues that a customer already has (they may not remove them either), and must
 * keep the customer at one of their own stations, or they would lose it from sight.
 */
function checkStations(
  context: CallerContext,
  stationIds: string[],
  previous: string[] = [],
): FieldError[] {
  const mine = (id: string): boolean => context.stationIds.includes(id);
  if (stationIds.some((id) => !mine(id) && !previous.includes(id))) {
    return [
      {
        field: 'stationIds',
        reason: 'unknown_station',
        message: 'stationIds may only add stations you work at',
      },
    ];
  }
  if (context.role !== 'worker') return [];
  if (previous.some((id) => !mine(id) && !stationIds.includes(id))) {
    return [
      {
        field: 'stationIds',
        reason: 'not_your_station',
        message: 'only an admin may take a customer away from a station you do not work at',
      },
    ];
  }
  if (!stationIds.some(mine)) {
    return [
      {
        field: 'stationIds',
        reason: 'required',
        message: 'stationIds must include at least one of your stations',
      },
    ];
  }
  return [];
}

function duplicateExternalIds(ids: ExternalIdDto[]): FieldError[] {
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  ids.forEach((e, i) => {
    const key = `${e.system}\u0000${e.id}`;
    if (seen.has(key)) {
      errors.push({
        field: `externalIds.${i}.id`,
        reason: 'duplicate',
        message: 'the same external id is listed twice',
      });
    }
    seen.add(key);
  });
  return errors;
}

export function customerNotFound(): RpcProblem {
  return RpcProblem.notFound('Customer');
}

export function customerNumberTaken(): RpcProblem {
  return RpcProblem.conflict(
    'customer-number-taken',
    'Customer number taken',
    'Another customer of this tenant has this customer number.',
    [{ field: 'customerNumber', reason: 'taken', message: 'customerNumber is already in use' }],
  );
}

/**
 * A write about a customer that no longer takes changes: an erased shell (409 customer-erased)
 * or a customer merged into another (409 customer-merged, naming the end of its chain). Read
 * under the row lock the erasure and the merge take, so a write waiting for them sees the result.
 */
export function refuseClosedCustomer(customer: Pick<CustomerRow, 'status' | 'merged_into'>): void {
  if (customer.status === 'erased') throw customerErased();
  if (customer.status === 'merged' && customer.merged_into) {
    throw customerMerged(customer.merged_into);
  }
}
