export * from './fields';
export * from './rules';
export * from './vehicle.dto';
export * from './visit.dto';
export * from './sale.dto';
export * from './events';
export * from './rpc';
