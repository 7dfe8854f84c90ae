/**
 * Request/response between the gateway and the services. One durable command queue per service;
 * message patterns are defined here once and nowhere else.
 */
export const RPC_QUEUES = {
  customers: 'kanta.rpc.customers',
} as const;
export type RpcService = keyof typeof RPC_QUEUES;

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
  listDuplicates: 'customers.duplicates.list',
  dismissDuplicate: 'customers.duplicates.dismiss',
  scanDuplicates: 'customers.duplicates.scan',
  getDuplicateScan: 'customers.duplicates.scan.get',
} as const;

/** What a service answers to its `<service>.health` pattern. */
export interface ServiceHealth {
  service: string;
  status: 'ok' | 'degraded';
  checks: Record<string, 'up' | 'down'>;
}
