import { isUuid } from '@kanta/contracts';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type {
  CallerContext,
  CreateReminderCommand,
  DeletedReminder,
  FieldError,
  ListRemindersQuery,
  ReminderAssignee,
  ReminderPage,
  ReminderView,
  UpdateReminderCommand,
} from '@kanta/contracts';
import { CommandLog } from '@kanta/messaging';
import {
  canSee,
  requireTenant,
  RpcProblem,
  uuidv7,
  visibleStations,
  type WriteCommand,
} from '@kanta/platform';
import { refuseClosedCustomer } from '../customers/card-rules';
import { CustomersRepository } from '../customers/customers.repository';
import { parseDateTime } from './local-time';
import { ReminderJobs } from './reminder-jobs';
import { toReminderView, type ReminderRow } from './reminder-row';
import { decodeReminderCursor, encodeReminderCursor } from './reminder-cursor';
import { RemindersRepository, type ReminderChange } from './reminders.repository';

const DEFAULT_PAGE_SIZE = 25;
/** A reminder set for "now" may be a few minutes late by the time it is sent; more is a mistake. */
export const PAST_TOLERANCE_MS = 5 * 60_000;
/**
 * Far enough for any service interval; and BullMQ keeps a delayed job's time times 4096 in a
 * Redis score (a double), which stays exact only until about 2039.
 */
export const MAX_AHEAD_MS = 5 * 366 * 24 * 3600_000;

/**
 * Reminders on customers: who sees them is who sees the customer (a worker, the customers of
 * their stations; an admin, the whole tenant). Everything else is a 404, never a 403. Each change
 * is a command that runs once: delivered again, it answers the reminder as it is now.
 */
@Injectable()
export class RemindersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: RemindersRepository,
    private readonly customers: CustomersRepository,
    private readonly jobs: ReminderJobs,
    private readonly commands: CommandLog,
  ) {}

  async create(
    context: CallerContext,
    data: CreateReminderCommand,
    command: WriteCommand,
  ): Promise<ReminderView> {
    requireTenant(context);
    return this.commands.once(
      command,
      async () => {
        const tenant = requireTenant(context);
        const customer = await this.visibleCustomer(context, data.customerId);
        const parsed = dueAtOf(data.reminder.dueAt, tenant.timeZone);
        const errors = [...parsed.errors, ...assigneeErrors(data.assignee, customer.station_ids)];
        if (errors.length > 0) throw RpcProblem.validation(errors);
        const row = await this.dataSource.transaction(async (manager) => {
          // Under the lock an erasure or a merge takes: one in progress is waited for, and then
          // refuses (a merged customer's reminders are its survivor's).
          const locked = await this.customers.lockedStatus(manager, tenant.id, customer.id);
          if (locked) refuseClosedCustomer(locked);
          const inserted = await this.repository.insert(manager, {
            tenantId: tenant.id,
            id: uuidv7(),
            customerId: customer.id,
            assigneeUserId: data.assignee.userId,
            dueAt: parsed.dueAt as Date,
            comment: data.reminder.comment.trim(),
            createdBy: context.userId,
          });
          await this.commands.record(manager, command, { id: inserted.id });
          return inserted;
        });
        await this.jobs.schedule(row);
        return toReminderView(row, tenant.timeZone);
      },
      (earlier) => this.get(context, earlier.resultId ?? ''),
    );
  }

  async get(context: CallerContext, id: string): Promise<ReminderView> {
    const tenant = requireTenant(context);
    const row = isUuid(id)
      ? await this.repository.findVisible(tenant.id, id, visibleStations(context))
      : null;
    if (!row) throw reminderNotFound();
    return toReminderView(row, tenant.timeZone);
  }

  async list(context: CallerContext, query: ListRemindersQuery): Promise<ReminderPage> {
    const tenant = requireTenant(context);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = query.cursor ? decodeReminderCursor(query.cursor) : null;
    // A customer's list needs a customer the caller can see, so its ids cannot be probed. A
    // merged customer's reminders moved to the customer it lives on as: the list is that one's,
    // as a merged customer's visits and consents are (the survivor has its stations too).
    const customer =
      query.customerId !== undefined ? await this.visibleCustomer(context, query.customerId) : null;
    const rows = await this.repository.list({
      tenantId: tenant.id,
      visibleStations: visibleStations(context),
      assigneeUserId: query.assigneeUserId ?? null,
      customerId: customer ? (customer.merged_into ?? customer.id) : null,
      status: query.status ?? null,
      after,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => toReminderView(row, tenant.timeZone)),
      nextCursor:
        rows.length > limit && last
          ? encodeReminderCursor({ dueAt: last.due_at, id: last.id })
          : null,
    };
  }

  /**
   * A new dueAt reschedules (back to scheduled, with a new job), `done: true` closes, `done: false`
   * opens a done reminder again (scheduled; due again at once if its time has passed, and
   * announced again). A patch that changes nothing answers the reminder as it is.
   */
  async update(
    context: CallerContext,
    data: UpdateReminderCommand,
    command: WriteCommand,
  ): Promise<ReminderView> {
    requireTenant(context);
    return this.commands.once(
      command,
      () => this.updateOnce(context, data, command),
      () => this.get(context, data.id),
    );
  }

  private async updateOnce(
    context: CallerContext,
    data: UpdateReminderCommand,
    command: WriteCommand,
  ): Promise<ReminderView> {
    const tenant = requireTenant(context);
    if (!isUuid(data.id)) throw reminderNotFound();
    const { patch, assignee } = data;
    if (
      patch.dueAt === undefined &&
      patch.comment === undefined &&
      patch.done === undefined &&
      assignee === undefined
    ) {
      throw RpcProblem.validation([
        {
          field: '',
          reason: 'empty_patch',
          message: 'send at least one of dueAt, comment, assigneeUserId, done',
        },
      ]);
    }
    const parsed = patch.dueAt === undefined ? null : dueAtOf(patch.dueAt, tenant.timeZone);
    if (parsed && parsed.errors.length > 0) throw RpcProblem.validation(parsed.errors);

    const result = await this.dataSource.transaction(async (manager) => {
      const current = await this.repository.findVisible(
        tenant.id,
        data.id,
        visibleStations(context),
        { manager, forUpdate: true },
      );
      if (!current) throw reminderNotFound();
      if (data.expectedVersion !== undefined && current.version !== data.expectedVersion) {
        throw RpcProblem.preconditionFailed(
          `The reminder is at version ${current.version}, not ${data.expectedVersion}; read it again.`,
        );
      }
      if (assignee) {
        const errors = assigneeErrors(assignee, current.customer_station_ids);
        if (errors.length > 0) throw RpcProblem.validation(errors);
      }
      const change = changeOf(current, {
        dueAt: parsed?.dueAt ?? undefined,
        comment: patch.comment?.trim(),
        done: patch.done,
        assigneeUserId: assignee?.userId,
      });
      if (!change) return { row: current, changed: false };
      const row = await this.repository.update(manager, tenant.id, current.id, change);
      await this.commands.record(manager, command, { id: row.id });
      return { row, changed: true };
    });
    if (result.changed) await this.jobs.schedule(result.row);
    return toReminderView(result.row, tenant.timeZone);
  }

  /**
   * Answers whose reminder it was (an id, kept with the command). Delivered again, a delete
   * answers as the first did (the reminder is gone either way).
   */
  async delete(
    context: CallerContext,
    id: string,
    command: WriteCommand,
  ): Promise<DeletedReminder> {
    const tenant = requireTenant(context);
    if (!isUuid(id)) throw reminderNotFound();
    return this.commands.once(
      command,
      () =>
        this.dataSource.transaction(async (manager) => {
          // Its job, if any, finds no row and does nothing.
          const customerId = await this.repository.delete(
            manager,
            tenant.id,
            id,
            visibleStations(context),
          );
          if (!customerId) throw reminderNotFound();
          const deleted: DeletedReminder = { customerId };
          await this.commands.record(manager, command, { answer: deleted });
          return deleted;
        }),
      // A delete recorded before deletes answered their customer left null.
      async (earlier) => ({
        customerId: (earlier.answer as Partial<DeletedReminder> | null)?.customerId ?? null,
      }),
    );
  }

  private async visibleCustomer(context: CallerContext, customerId: string) {
    const tenant = requireTenant(context);
    const customer = isUuid(customerId)
      ? await this.customers.findById(tenant.id, customerId.toLowerCase())
      : null;
    if (!customer || !canSee(context, customer.station_ids)) {
      throw RpcProblem.notFound('Customer');
    }
    return customer;
  }
}

/** The new state of a reminder after a patch, or null when the patch changes nothing. */
function changeOf(
  current: ReminderRow,
  patch: { dueAt?: Date; comment?: string; done?: boolean; assigneeUserId?: string },
): ReminderChange | null {
  const change: ReminderChange = {
    dueAt: patch.dueAt ?? current.due_at,
    comment: patch.comment ?? current.comment,
    assigneeUserId: patch.assigneeUserId ?? current.assignee_user_id,
    status: current.status,
    doneAt: current.done_at,
    becameDueAt: current.became_due_at,
  };
  const reopen = (): void => {
    change.status = 'scheduled';
    change.doneAt = null;
    change.becameDueAt = null;
  };
  if (patch.dueAt !== undefined) reopen();
  if (patch.done === false && current.status === 'done') reopen();
  if (patch.done === true) {
    change.status = 'done';
    change.doneAt = current.done_at ?? new Date();
  }
  const same =
    change.dueAt.getTime() === current.due_at.getTime() &&
    change.comment === current.comment &&
    change.assigneeUserId === current.assignee_user_id &&
    change.status === current.status;
  return same ? null : change;
}

function dueAtOf(value: string, timeZone: string): { dueAt: Date | null; errors: FieldError[] } {
  const epoch = parseDateTime(value, timeZone);
  const error = (reason: string, message: string) => ({
    dueAt: null,
    errors: [{ field: 'dueAt', reason, message }],
  });
  if (epoch === null) {
    return error('invalid_format', 'dueAt must be a real date-time such as 2026-12-01T09:00');
  }
  const now = Date.now();
  if (epoch < now - PAST_TOLERANCE_MS) {
    return error('in_the_past', 'dueAt is more than 5 minutes in the past');
  }
  if (epoch > now + MAX_AHEAD_MS) {
    return error('too_far_ahead', 'dueAt is more than 5 years ahead');
  }
  return { dueAt: new Date(epoch), errors: [] };
}

/** The assignee must be able to see the customer, or the reminder would be hidden from them. */
function assigneeErrors(assignee: ReminderAssignee, customerStationIds: string[]): FieldError[] {
  const stations = assignee.stationIds ?? null;
  if (stations === null || customerStationIds.some((id) => stations.includes(id))) return [];
  return [
    {
      field: 'assigneeUserId',
      reason: 'cannot_see_customer',
      message: 'the assignee works at none of the customer’s stations',
    },
  ];
}

function reminderNotFound(): RpcProblem {
  return RpcProblem.notFound('Reminder');
}
