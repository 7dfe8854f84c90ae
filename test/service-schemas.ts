import type { ServiceDataSourceOptions } from '@kanta/database';
import { consentsSchema } from '../services/consents/src/database/schema';
import { customersSchema } from '../services/customers/src/database/schema';
import { gatewaySchema } from '../services/gateway/src/database/schema';
import { vehiclesSchema } from '../services/vehicles/src/database/schema';

/** Every service's schema, for building the test template database. Add new services here. */
export const SERVICE_SCHEMAS: Omit<ServiceDataSourceOptions, 'settings'>[] = [
  gatewaySchema,
  customersSchema,
  consentsSchema,
  vehiclesSchema,
];
