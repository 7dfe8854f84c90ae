export * from './consent.dto';
export * from './events';
export * from './rpc';
