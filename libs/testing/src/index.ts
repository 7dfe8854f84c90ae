export * from './test-database';
export * from './redis-keys';
export * from './problem-of';
export * from './eventually';
export * from './held-batch';
export * from './ts-child';
export * from './dead-letters';
