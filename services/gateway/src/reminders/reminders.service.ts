import { Inject, Injectable } from '@nestjs/common';
import {
  CUSTOMERS_RPC,
  type CreateReminderCommand,
  type CreateReminderDto,
  type DeleteReminderCommand,
  type GetReminderQuery,
  type ListRemindersQuery,
  type ListRemindersQueryDto,
  type ReminderPage,
  type ReminderView,
  type UpdateReminderCommand,
  type UpdateReminderDto,
} from '@kanta/contracts';
import type { RpcClient } from '@kanta/platform';
import type { Caller } from '../auth/auth.decorators';
import { CUSTOMERS_RPC_CLIENT } from '../core/tokens';
import { versionFromIfMatch } from '../http/if-match';
import { HttpResult } from '../http/http-result';
import { TenantUsers } from '../identity/tenant-users';

const etagOf = (reminder: ReminderView): string => `"${reminder.version}"`;

/**
 * The gateway's half of reminders: `me` and user ids become checked assignees (only the gateway
 * knows the users), headers and status codes; everything else is the customers service's.
 */
@Injectable()
export class RemindersService {
  constructor(
    @Inject(CUSTOMERS_RPC_CLIENT) private readonly rpc: RpcClient,
    private readonly users: TenantUsers,
  ) {}

  async create(
    caller: Caller,
    customerId: string,
    body: CreateReminderDto,
  ): Promise<HttpResult<ReminderView>> {
    const assignee = await this.users.resolveWithStations(
      caller,
      'assigneeUserId',
      body.assigneeUserId ?? 'me',
    );
    const reminder = await this.rpc.send<ReminderView, CreateReminderCommand>(
      CUSTOMERS_RPC.createReminder,
      {
        context: caller.context,
        data: { customerId, reminder: { dueAt: body.dueAt, comment: body.comment }, assignee },
      },
    );
    return new HttpResult(reminder, 201, {
      Location: `/api/v1/reminders/${reminder.id}`,
      ETag: etagOf(reminder),
    });
  }

  async list(caller: Caller, query: ListRemindersQueryDto): Promise<ReminderPage> {
    const { assignee, ...rest } = query;
    const data: ListRemindersQuery = { ...rest };
    if (assignee !== undefined) {
      data.assigneeUserId = await this.users.resolve(caller, 'assignee', assignee);
    }
    return this.rpc.send<ReminderPage, ListRemindersQuery>(CUSTOMERS_RPC.listReminders, {
      context: caller.context,
      data,
    });
  }

  async get(caller: Caller, id: string): Promise<HttpResult<ReminderView>> {
    const reminder = await this.rpc.send<ReminderView, GetReminderQuery>(
      CUSTOMERS_RPC.getReminder,
      { context: caller.context, data: { id } },
    );
    return new HttpResult(reminder, 200, { ETag: etagOf(reminder) });
  }

  /** If-Match is optional here: when sent, a stale version is a 412 from the service. */
  async update(
    caller: Caller,
    id: string,
    body: UpdateReminderDto,
    ifMatch: string | undefined,
  ): Promise<HttpResult<ReminderView>> {
    const { assigneeUserId, ...patch } = body;
    const data: UpdateReminderCommand = { id, patch };
    if (ifMatch !== undefined) data.expectedVersion = versionFromIfMatch(ifMatch);
    if (assigneeUserId !== undefined) {
      data.assignee = await this.users.resolveWithStations(
        caller,
        'assigneeUserId',
        assigneeUserId,
      );
    }
    const reminder = await this.rpc.send<ReminderView, UpdateReminderCommand>(
      CUSTOMERS_RPC.updateReminder,
      { context: caller.context, data },
    );
    return new HttpResult(reminder, 200, { ETag: etagOf(reminder) });
  }

  async delete(caller: Caller, id: string): Promise<void> {
    await this.rpc.send<unknown, DeleteReminderCommand>(CUSTOMERS_RPC.deleteReminder, {
      context: caller.context,
      data: { id },
    });
  }
}
