export * from './cell-safety';
export * from './columns';
export * from './csv-writer';
export * from './number-formats';
export * from './xlsx-writer';
export * from './zip-stream-writer';
export * from './zoned-time';
