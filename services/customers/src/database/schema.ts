import type { ServiceDataSourceOptions } from '@kanta/database';
import { Messaging1763900000000 } from './migrations/1763900000000-messaging';
import { CustomersCore1763900100000 } from './migrations/1763900100000-customers-core';
import { Reminders1764200000000 } from './migrations/1764200000000-reminders';

export const CUSTOMERS_SCHEMA = 'customers';

/** Everything the customers DataSource needs but the connection settings. */
export const customersSchema: Omit<ServiceDataSourceOptions, 'settings'> = {
  schema: CUSTOMERS_SCHEMA,
  entities: [],
  migrations: [Messaging1763900000000, CustomersCore1763900100000, Reminders1764200000000],
};
