export * from './outbox';
export * from './schema-sql';
