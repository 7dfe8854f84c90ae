import { readServiceBaseConfig, type EnvReader, type ServiceBaseConfig } from '@kanta/platform';

export type ReportingConfig = ServiceBaseConfig;

export const readReportingConfig: EnvReader<ReportingConfig> = (env, problems) =>
  readServiceBaseConfig(env, problems, 'reporting', { port: 3005, dbPool: 5 });
