export * from './envelope';
export * from './context';
export * from './problem';
export * from './rpc';
export * from './event-catalogue';
export * from './customers';
export * from './vehicles';
export * from './partner';
