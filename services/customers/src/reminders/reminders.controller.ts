import { Controller } from '@nestjs/common';
import {
  CUSTOMERS,
  type ByIdQuery,
  type CallerContext,
  type CreateReminderCommand,
  type DeletedReminder,
  type ListRemindersQuery,
  type ReminderPage,
  type ReminderView,
  type UpdateReminderCommand,
} from '@kanta/contracts';
import { Handles, type WriteCommand } from '@kanta/platform';
import { RemindersService } from './reminders.service';

@Controller()
export class RemindersController {
  constructor(private readonly reminders: RemindersService) {}

  @Handles(CUSTOMERS.createReminder)
  create(
    caller: CallerContext,
    data: CreateReminderCommand,
    command: WriteCommand,
  ): Promise<ReminderView> {
    return this.reminders.create(caller, data, command);
  }

  @Handles(CUSTOMERS.getReminder)
  get(caller: CallerContext, data: ByIdQuery): Promise<ReminderView> {
    return this.reminders.get(caller, data.id);
  }

  @Handles(CUSTOMERS.listReminders)
  list(caller: CallerContext, data: ListRemindersQuery): Promise<ReminderPage> {
    return this.reminders.list(caller, data);
  }

  @Handles(CUSTOMERS.updateReminder)
  update(
    caller: CallerContext,
    data: UpdateReminderCommand,
    command: WriteCommand,
  ): Promise<ReminderView> {
    return this.reminders.update(caller, data, command);
  }

  /** Answers whose reminder it was: the gateway records the delete as an edit of them. */
  @Handles(CUSTOMERS.deleteReminder)
  delete(caller: CallerContext, data: ByIdQuery, command: WriteCommand): Promise<DeletedReminder> {
    return this.reminders.delete(caller, data.id, command);
  }
}
