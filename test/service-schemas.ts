import type { ServiceSchema } from '@kanta/database';
import { consentsSchema } from '../services/consents/src/database/schema';
import { customersSchema } from '../services/customers/src/database/schema';
import { gatewaySchema } from '../services/gateway/src/database/schema';
import { privacySchema } from '../services/privacy/src/database/schema';
import { reportingSchema } from '../services/reporting/src/database/schema';
import { vehiclesSchema } from '../services/vehicles/src/database/schema';

/**
 * Every service's schema, for building the test template database and checking the migrations'
 * manifest. The schema's name is the service's name. Add new services here.
 */
export const SERVICE_SCHEMAS: ServiceSchema[] = [
  gatewaySchema,
  customersSchema,
  consentsSchema,
  vehiclesSchema,
  privacySchema,
  reportingSchema,
];
