export * from './report.dto';
export * from './rpc';
export * from './rebuild';
export * from './report-audit.dto';
