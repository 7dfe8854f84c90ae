import { Injectable } from '@nestjs/common';
import type { CallerContext, CustomerView } from '@kanta/contracts';
import { RpcProblem } from '@kanta/platform';
import { CustomerCards } from '../customer-cards';
import { CustomerUpdate } from './customer-update';

/**
 * Assigns or unassigns one group without a full patch, so no If-Match is needed: the change is
 * the same whatever else happened to the card. A concurrent edit in between is retried.
 */
@Injectable()
export class GroupMembership {
  constructor(
    private readonly cards: CustomerCards,
    private readonly updates: CustomerUpdate,
  ) {}

  async set(
    context: CallerContext,
    id: string,
    groupId: string,
    member: boolean,
  ): Promise<CustomerView> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.cards.get(context, id);
      const groupIds = member
        ? [...new Set([...current.groupIds, groupId])]
        : current.groupIds.filter((g) => g !== groupId);
      try {
        return await this.updates.update(context, id, current.version, { groupIds });
      } catch (error) {
        if (!(error instanceof RpcProblem) || error.problem.status !== 412 || attempt >= 3) {
          throw error;
        }
      }
    }
  }
}
