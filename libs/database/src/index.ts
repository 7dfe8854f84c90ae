export * from './config';
export * from './roles';
export * from './bootstrap';
export * from './data-source';
export * from './migration-checksums';
export * from './errors';
export * from './prepared';
export * from './locks';
