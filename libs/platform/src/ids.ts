import { createHash, randomFillSync } from 'node:crypto';

let lastMs = 0;
let sequence = 0;

/*
 * Random bytes drawn from the CSPRNG 4 kB at a time (as crypto.randomUUID does): a call into
 * OpenSSL and a Buffer for each id cost more than the rest of making it, and the gateway makes
 * one for every access it records.
 */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolAt = POOL_SIZE;

/** Copies `length` fresh random bytes into `target` at `offset`. */
function fillRandom(target: Buffer, offset: number, length: number): void {
  if (poolAt + length > POOL_SIZE) {
    randomFillSync(pool);
    poolAt = 0;
  }
  pool.copy(target, offset, poolAt, poolAt + length);
  poolAt += length;
}

/** Reused for every id: formatUuid makes the string from it before the next one is made. */
const scratch = Buffer.alloc(16);

const random16Bits = (): number => {
  fillRandom(scratch, 0, 2);
  return scratch.readUInt16BE(0);
};

/**
 * A UUIDv7 (RFC 9562): time-ordered, so new rows land at the right edge of an index and ids sort
 * by creation. Within one process, ids made in the same millisecond still sort in the order they
 * were made: the 12 bits after the version count up (RFC 9562, method 1). An explicit `now` is
 * used as given. Written here because the `uuid` package is ESM-only and jest cannot load it.
 */
export function uuidv7(now?: number): string {
  let ms: number;
  let counter: number;
  if (now !== undefined) {
    ms = now;
    counter = random16Bits() & 0x7ff;
  } else {
    const current = Date.now();
    if (current > lastMs) {
      lastMs = current;
      // Start low in the 12-bit space so a burst has room to count up within the millisecond.
      sequence = random16Bits() & 0x3ff;
    } else if (++sequence > 0xfff) {
      lastMs += 1;
      sequence = 0;
    }
    ms = lastMs;
    counter = sequence;
  }
  const bytes = scratch;
  fillRandom(bytes, 8, 8);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return formatUuid(bytes);
}

/**
 * A name-based UUID (version 5, RFC 9562: SHA-1 of the name in a namespace): the same name
 * always gives the same id, so an event announced again is the same event to its consumers.
 */
export function uuidv5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  return formatUuid(hash.subarray(0, 16));
}

function formatUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
