import { join } from 'node:path';

/** The repository root, found from this file whether it runs from source or from dist/. */
export const REPO_ROOT = __dirname.includes(`${join('dist', 'libs')}`)
  ? join(__dirname, '..', '..', '..', '..')
  : join(__dirname, '..', '..', '..');

export interface LocalService {
  name: string;
  /** Environment variable that sets the service's HTTP port (health, and the API for the gateway). */
  portVariable: string;
  defaultPort: number;
  /** Compiled entry point, relative to the repository root. */
  main: string;
  /** Compiled module exporting the service's schema definition, and the export's name. */
  schemaModule: string;
  schemaExport: string;
}

/** Every service, in start order (the gateway last). Add a service here when it arrives. */
export const LOCAL_SERVICES: LocalService[] = [
  {
    name: 'customers',
    portVariable: 'CUSTOMERS_PORT',
    defaultPort: 3001,
    main: 'dist/services/customers/src/main.js',
    schemaModule: 'dist/services/customers/src/database/schema.js',
    schemaExport: 'customersSchema',
  },
  {
    name: 'vehicles',
    portVariable: 'VEHICLES_PORT',
    defaultPort: 3002,
    main: 'dist/services/vehicles/src/main.js',
    schemaModule: 'dist/services/vehicles/src/database/schema.js',
    schemaExport: 'vehiclesSchema',
  },
  {
    name: 'consents',
    portVariable: 'CONSENTS_PORT',
    defaultPort: 3003,
    main: 'dist/services/consents/src/main.js',
    schemaModule: 'dist/services/consents/src/database/schema.js',
    schemaExport: 'consentsSchema',
  },
  {
    name: 'privacy',
    portVariable: 'PRIVACY_PORT',
    defaultPort: 3004,
    main: 'dist/services/privacy/src/main.js',
    schemaModule: 'dist/services/privacy/src/database/schema.js',
    schemaExport: 'privacySchema',
  },
  {
    name: 'reporting',
    portVariable: 'REPORTING_PORT',
    defaultPort: 3005,
    main: 'dist/services/reporting/src/main.js',
    schemaModule: 'dist/services/reporting/src/database/schema.js',
    schemaExport: 'reportingSchema',
  },
  {
    name: 'gateway',
    portVariable: 'GATEWAY_PORT',
    defaultPort: 3000,
    main: 'dist/services/gateway/src/main.js',
    schemaModule: 'dist/services/gateway/src/database/schema.js',
    schemaExport: 'gatewaySchema',
  },
];
