export * from './erasure.dto';
export * from './events';
export * from './rpc';
export * from './deletion.dto';
export * from './retention.dto';
export * from './audit.dto';
export * from './merge.dto';
export * from './export.dto';
