import { Injectable } from '@nestjs/common';
import {
  CUSTOMERS,
  type CreateReminderDto,
  type DeletedReminder,
  type ListRemindersQuery,
  type ListRemindersQueryDto,
  type ReminderPage,
  type ReminderView,
  type UpdateReminderCommand,
  type UpdateReminderDto,
} from '@kanta/contracts';
import type { Caller } from '../auth/auth.decorators';
import { Rpc } from '../core/rpc';
import { versionFromIfMatch } from '../http/if-match';
import { HttpResult } from '../http/http-result';
import { TenantUsers } from '../identity/tenant-users';

/**
 * The gateway's half of reminders: `me` and user ids become checked assignees (only the gateway
 * knows the users), headers and status codes; everything else is the customers service's.
 */
@Injectable()
export class RemindersService {
  constructor(
    private readonly rpc: Rpc,
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
    const reminder = await this.rpc.call(CUSTOMERS.createReminder, caller, {
      customerId,
      reminder: { dueAt: body.dueAt, comment: body.comment },
      assignee,
    });
    return HttpResult.versioned(reminder, { location: `/api/v1/reminders/${reminder.id}` });
  }

  async list(caller: Caller, query: ListRemindersQueryDto): Promise<ReminderPage> {
    const { assignee, ...rest } = query;
    const data: ListRemindersQuery = { ...rest };
    if (assignee !== undefined) {
      data.assigneeUserId = await this.users.resolve(caller, 'assignee', assignee);
    }
    return this.rpc.call(CUSTOMERS.listReminders, caller, data);
  }

  async get(caller: Caller, id: string): Promise<HttpResult<ReminderView>> {
    return HttpResult.versioned(await this.rpc.call(CUSTOMERS.getReminder, caller, { id }));
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
    return HttpResult.versioned(await this.rpc.call(CUSTOMERS.updateReminder, caller, data));
  }

  /** A 204: its body, whose reminder it was, is for the access record and never sent. */
  async delete(caller: Caller, id: string): Promise<HttpResult<DeletedReminder>> {
    return new HttpResult(await this.rpc.call(CUSTOMERS.deleteReminder, caller, { id }), 204);
  }
}
