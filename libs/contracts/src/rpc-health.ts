import { CONSENTS } from './consents/rpc';
import { CUSTOMERS } from './customers/rpc';
import type { NoData, RpcOperation, RpcService, ServiceHealth } from './rpc';
import { VEHICLES } from './vehicles/rpc';

/** Every service's health operation, which the gateway's /health asks. */
export const HEALTH_OPERATIONS: Record<RpcService, RpcOperation<NoData, ServiceHealth>> = {
  customers: CUSTOMERS.health,
  consents: CONSENTS.health,
  vehicles: VEHICLES.health,
};
