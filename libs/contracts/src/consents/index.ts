export * from './consent.dto';
export * from './events';
