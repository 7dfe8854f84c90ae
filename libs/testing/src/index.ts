export * from './test-database';
export * from './problem-of';
export * from './eventually';
