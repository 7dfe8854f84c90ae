import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import {
  CUSTOMERS_RPC,
  type CallerContext,
  type ReminderPage,
  type ReminderView,
} from '@kanta/contracts';
import { RpcCaller, RpcData } from '@kanta/platform';
import {
  CreateReminderCommandDto,
  ListRemindersQueryCommandDto,
  ReminderIdDto,
  UpdateReminderCommandDto,
} from './dto/reminder-commands.dto';
import { RemindersService } from './reminders.service';

@Controller()
export class RemindersController {
  constructor(private readonly reminders: RemindersService) {}

  @MessagePattern(CUSTOMERS_RPC.createReminder)
  create(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: CreateReminderCommandDto,
  ): Promise<ReminderView> {
    return this.reminders.create(caller, data);
  }

  @MessagePattern(CUSTOMERS_RPC.getReminder)
  get(@RpcCaller() caller: CallerContext, @RpcData() data: ReminderIdDto): Promise<ReminderView> {
    return this.reminders.get(caller, data.id);
  }

  @MessagePattern(CUSTOMERS_RPC.listReminders)
  list(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: ListRemindersQueryCommandDto,
  ): Promise<ReminderPage> {
    return this.reminders.list(caller, data);
  }

  @MessagePattern(CUSTOMERS_RPC.updateReminder)
  update(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: UpdateReminderCommandDto,
  ): Promise<ReminderView> {
    return this.reminders.update(caller, data);
  }

  /** Answers an empty object: the gateway only needs to know that it worked. */
  @MessagePattern(CUSTOMERS_RPC.deleteReminder)
  async delete(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: ReminderIdDto,
  ): Promise<Record<string, never>> {
    await this.reminders.delete(caller, data.id);
    return {};
  }
}
