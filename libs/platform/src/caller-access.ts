import type { CallerContext } from '@kanta/contracts';
import { RpcProblem } from './rpc-problem';

export type CallerTenant = NonNullable<CallerContext['tenant']>;

/** Tenant data (customers, vehicles, consents, …) needs a tenant; a superadmin outside any has none. */
export function requireTenant(context: CallerContext): CallerTenant {
  if (!context.tenant) {
    throw RpcProblem.forbidden('This belongs to a tenant; this caller acts outside any.');
  }
  return context.tenant;
}

/** The stations that limit what the caller sees, or null when the caller sees the whole tenant. */
export function visibleStations(context: CallerContext): string[] | null {
  return context.role === 'worker' ? context.stationIds : null;
}

/** Whether the caller sees something at any of these stations (a customer, a vehicle's links). */
export function canSee(context: CallerContext, customerStationIds: string[]): boolean {
  const stations = visibleStations(context);
  return stations === null || customerStationIds.some((id) => stations.includes(id));
}
