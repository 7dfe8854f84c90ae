import { Injectable } from '@nestjs/common';
import type { CallerContext, CustomerView } from '@kanta/contracts';
import { CommandLog } from '@kanta/messaging';
import { RpcProblem, requireTenant, type WriteCommand } from '@kanta/platform';
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
    private readonly commands: CommandLog,
  ) {}

  async set(
    context: CallerContext,
    id: string,
    groupId: string,
    member: boolean,
    command: WriteCommand,
  ): Promise<CustomerView> {
    requireTenant(context);
    return this.commands.once(
      command,
      () => this.setOnce(context, id, groupId, member, command),
      () => this.cards.get(context, id),
    );
  }

  private async setOnce(
    context: CallerContext,
    id: string,
    groupId: string,
    member: boolean,
    command: WriteCommand,
  ): Promise<CustomerView> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.cards.get(context, id);
      const groupIds = member
        ? [...new Set([...current.groupIds, groupId])]
        : current.groupIds.filter((g) => g !== groupId);
      try {
        return await this.updates.apply(context, id, current.version, { groupIds }, command);
      } catch (error) {
        if (!(error instanceof RpcProblem) || error.problem.status !== 412 || attempt >= 3) {
          throw error;
        }
      }
    }
  }
}
