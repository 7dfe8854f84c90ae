export * from './rpc';
export * from './rebuild';
