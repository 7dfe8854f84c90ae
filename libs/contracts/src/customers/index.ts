export * from './customer.dto';
export * from './field-rules.dto';
export * from './events';
export * from './labels.dto';
export * from './reminder.dto';
export * from './reminder-events';
export * from './duplicates.dto';
export * from './rpc';
