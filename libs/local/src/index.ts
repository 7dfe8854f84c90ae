export * from './services';
export * from './migrate';
export * from './system';
export * from './api-client';
export * from './demo-data';
export * from './demo-seed';
