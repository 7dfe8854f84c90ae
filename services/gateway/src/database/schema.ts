import type { ServiceDataSourceOptions } from '@kanta/database';
import { Messaging1763900000000 } from './migrations/1763900000000-messaging';

export const GATEWAY_SCHEMA = 'gateway';

/** Everything the gateway DataSource needs but the connection settings. */
export const gatewaySchema: Omit<ServiceDataSourceOptions, 'settings'> = {
  schema: GATEWAY_SCHEMA,
  entities: [],
  migrations: [Messaging1763900000000],
};
