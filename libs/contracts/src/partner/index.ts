export * from './events';
export * from './partner-keys.dto';
