/**
 * Request/response between the gateway and the services. One durable command queue per service;
 * message patterns are defined here once and nowhere else.
 */
export const RPC_QUEUES = {
  customers: 'kanta.rpc.customers',
  consents: 'kanta.rpc.consents',
  vehicles: 'kanta.rpc.vehicles',
} as const;
export type RpcService = keyof typeof RPC_QUEUES;
export const RPC_SERVICES = Object.keys(RPC_QUEUES) as RpcService[];

/** Every service answers `<service>.health` with a ServiceHealth. */
export const healthPattern = (service: RpcService): string => `${service}.health`;

/**
 * Every service answers these about the dead letters kept in its schema (the gateway keeps its
 * own): a page (DeadLetterQueryDto), one (`{ id }`), a replay and a purge (`{ id }`).
 */
export const deadLetterPatterns = (service: RpcService) =>
  ({
    list: `${service}.dead-letter.list`,
    get: `${service}.dead-letter.get`,
    replay: `${service}.dead-letter.replay`,
    purge: `${service}.dead-letter.purge`,
  }) as const;

export const CUSTOMERS_RPC = {
  health: 'customers.health',
  create: 'customers.customer.create',
  get: 'customers.customer.get',
  update: 'customers.customer.update',
  search: 'customers.customer.search',
  getFieldRules: 'customers.field-rules.get',
  putFieldRules: 'customers.field-rules.put',
  listLabels: 'customers.label.list',
  createLabel: 'customers.label.create',
  renameLabel: 'customers.label.rename',
  deleteLabel: 'customers.label.delete',
  setGroupMembership: 'customers.customer.group-membership',
  createReminder: 'customers.reminder.create',
  getReminder: 'customers.reminder.get',
  listReminders: 'customers.reminder.list',
  updateReminder: 'customers.reminder.update',
  deleteReminder: 'customers.reminder.delete',
  listDuplicates: 'customers.duplicates.list',
  dismissDuplicate: 'customers.duplicates.dismiss',
  scanDuplicates: 'customers.duplicates.scan',
  getDuplicateScan: 'customers.duplicates.scan.get',
} as const;

export const CONSENTS_RPC = {
  health: 'consents.health',
  publishText: 'consents.text.publish',
  listTexts: 'consents.text.list',
  getText: 'consents.text.get',
  customerConsents: 'consents.customer.get',
  record: 'consents.customer.record',
  refresh: 'consents.customer.refresh',
  validate: 'consents.decisions.validate',
  getPreferences: 'consents.preferences.get',
  setPreferences: 'consents.preferences.set',
  contactability: 'consents.contactability.get',
} as const;

export const VEHICLES_RPC = {
  health: 'vehicles.health',
  createVehicle: 'vehicles.vehicle.create',
  getVehicle: 'vehicles.vehicle.get',
  updateVehicle: 'vehicles.vehicle.update',
  searchVehicles: 'vehicles.vehicle.search',
  linkCustomer: 'vehicles.vehicle.link',
  unlinkCustomer: 'vehicles.vehicle.unlink',
  customerVehicles: 'vehicles.customer.vehicles',
  createVisit: 'vehicles.visit.create',
  getVisit: 'vehicles.visit.get',
  updateVisit: 'vehicles.visit.update',
  listVisits: 'vehicles.visit.list',
  customerVisits: 'vehicles.customer.visits',
  createSale: 'vehicles.sale.create',
  getSale: 'vehicles.sale.get',
  listSales: 'vehicles.sale.list',
  customerSales: 'vehicles.customer.sales',
  customerSummary: 'vehicles.customer.summary',
  rejectedPartnerEvents: 'vehicles.partner.rejected',
} as const;

/** What a service answers to its `<service>.health` pattern. */
export interface ServiceHealth {
  service: string;
  status: 'ok' | 'degraded';
  checks: Record<string, 'up' | 'down'>;
}
