export * from './test-database';
export * from './redis-keys';
export * from './problem-of';
export * from './eventually';
