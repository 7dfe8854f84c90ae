export * from './report.dto';
export * from './rpc';
