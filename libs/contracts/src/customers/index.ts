export * from './customer.dto';
export * from './field-rules.dto';
export * from './events';
export * from './reminder.dto';
export * from './reminder-events';
