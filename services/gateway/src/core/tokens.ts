/** Injection tokens of the gateway's shared infrastructure. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export const REDIS = Symbol('REDIS');
/** `RpcClients`: one RPC client per service the gateway calls. */
export const RPC_CLIENTS = Symbol('RPC_CLIENTS');
