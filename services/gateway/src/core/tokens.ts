/** Injection tokens of the gateway's shared infrastructure. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export const REDIS = Symbol('REDIS');
export const CUSTOMERS_RPC_CLIENT = Symbol('CUSTOMERS_RPC_CLIENT');
