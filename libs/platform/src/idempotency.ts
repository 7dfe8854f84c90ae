import { createHash } from 'node:crypto';
import { problemType } from '@kanta/contracts';
import { RpcProblem } from './rpc-problem';

/**
 * What an `Idempotency-Key` remembers of the request it first came with: the same request
 * always hashes the same (keys sorted before hashing), so a retry is told from a reuse.
 */
export function fingerprintOf(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex');
}

/** JSON with every object's keys sorted: equal values, equal text. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A key sent again with another request (or for a record the caller may not see). */
export function idempotencyKeyReused(): RpcProblem {
  return new RpcProblem({
    type: problemType('idempotency-key-reused'),
    title: 'Idempotency-Key reused',
    status: 422,
    detail: 'This Idempotency-Key was used before for another request; send a new key.',
  });
}
