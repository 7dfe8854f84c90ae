import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule } from '@nestjs/common';
import type { ConnectionOptions } from 'bullmq';
import { CustomersRepository } from '../customers/customers.repository';
import { DueReminders } from './due-reminders';
import { ReminderDueProcessor } from './reminder-due.processor';
import { REMINDERS_QUEUE, ReminderJobs } from './reminder-jobs';
import { REMINDER_SWEEP_INTERVAL, ReminderSweep } from './reminder-sweep';
import { RemindersController } from './reminders.controller';
import { RemindersRepository } from './reminders.repository';
import { RemindersService } from './reminders.service';

export interface RemindersModuleOptions {
  /** The connection BullModule.forRoot was given (jobsRootOptions). */
  connection: ConnectionOptions;
  /** How often the sweep looks for reminders whose job was lost. */
  sweepIntervalMs: number;
}

/** Reminders on customers: RPC handlers, their queue and worker, and the sweep. */
@Module({})
export class RemindersModule {
  static forRoot(options: RemindersModuleOptions): DynamicModule {
    return {
      module: RemindersModule,
      imports: [
        BullModule.registerQueue({
          name: REMINDERS_QUEUE,
          // The queue only adds jobs, from requests: while Redis is away an add fails at once
          // instead of waiting in ioredis' offline queue (the worker keeps the blocking-friendly
          // root connection, which waits for Redis to come back).
          connection: { ...options.connection, enableOfflineQueue: false },
        }),
      ],
      controllers: [RemindersController],
      providers: [
        { provide: REMINDER_SWEEP_INTERVAL, useValue: options.sweepIntervalMs },
        // Stateless (queries through the DataSource): reminders read the customer they belong to.
        CustomersRepository,
        RemindersRepository,
        RemindersService,
        DueReminders,
        ReminderJobs,
        ReminderDueProcessor,
        ReminderSweep,
      ],
      exports: [RemindersService, DueReminders, ReminderJobs, ReminderSweep],
    };
  }
}
