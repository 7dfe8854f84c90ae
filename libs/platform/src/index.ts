export * from './config';
export * from './logger';
export * from './rpc-problem';
export * from './http';
export * from './rpc/rpc-client';
export * from './rpc/rpc-server';
export * from './ids';
export * from './jobs';
