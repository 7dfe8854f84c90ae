import { CONSENTS } from './consents/rpc';
import { CUSTOMERS } from './customers/rpc';
import type { NoData, RpcOperation, RpcService, ServiceHealth } from './rpc';
import { PRIVACY } from './privacy/rpc';
import { REPORTING } from './reporting/rpc';
import { VEHICLES } from './vehicles/rpc';

/** What every service offers alike, by service: the gateway asks each the same way. */
const SERVICES = {
  customers: CUSTOMERS,
  consents: CONSENTS,
  vehicles: VEHICLES,
  privacy: PRIVACY,
  reporting: REPORTING,
};

/** Every service's health operation, which the gateway's /health asks. */
export const HEALTH_OPERATIONS: Record<RpcService, RpcOperation<NoData, ServiceHealth>> = {
  customers: SERVICES.customers.health,
  consents: SERVICES.consents.health,
  vehicles: SERVICES.vehicles.health,
  privacy: SERVICES.privacy.health,
  reporting: SERVICES.reporting.health,
};

/** Every service's dead-letter operations (deadLetterOperationsOf). */
export const DEAD_LETTER_OPERATIONS = {
  customers: SERVICES.customers.deadLetters,
  consents: SERVICES.consents.deadLetters,
  vehicles: SERVICES.vehicles.deadLetters,
  privacy: SERVICES.privacy.deadLetters,
  reporting: SERVICES.reporting.deadLetters,
} satisfies Record<RpcService, unknown>;
