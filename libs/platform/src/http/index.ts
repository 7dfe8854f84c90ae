export * from './problem-error';
export * from './problem-filter';
export * from './validation';
export * from './input-rules';
