import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { Global, Module, type DynamicModule } from '@nestjs/common';

/**
 * Birthdays and identity documents are sealed with AES-256-GCM in the service, before SQL sees
 * them. Each sealed value names the key that sealed it, so keys can be rotated: new values use
 * the first key, old ones open with whichever key they name. The associated data binds a value
 * to its tenant, customer and field, so a ciphertext copied onto another row does not open.
 */
export interface DataKey {
  id: string;
  key: Buffer;
}

export interface SensitiveDataKeys {
  /** The first seals; all of them open. */
  dataKeys: DataKey[];
  /** Keys the lookup hashes (duplicate detection compares birthdays without opening them). */
  lookupKey: Buffer;
}

const FORMAT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SealedFieldOwner {
  tenantId: string;
  customerId: string;
}

export class SensitiveData {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: SensitiveDataKeys) {
    if (keys.dataKeys.length === 0) throw new Error('at least one data key is needed');
    this.byId = new Map(keys.dataKeys.map((k) => [k.id, k.key]));
  }

  seal(owner: SealedFieldOwner, field: string, plain: string): Buffer {
    const { id, key } = this.keys.dataKeys[0];
    const keyId = Buffer.from(id, 'utf8');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(associatedData(owner, field));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([
      Buffer.from([FORMAT_VERSION, keyId.length]),
      keyId,
      iv,
      cipher.getAuthTag(),
      body,
    ]);
  }

  open(owner: SealedFieldOwner, field: string, sealed: Buffer): string {
    if (sealed[0] !== FORMAT_VERSION) throw new Error(`unknown sealed format ${sealed[0]}`);
    const idEnd = 2 + sealed[1];
    const keyId = sealed.subarray(2, idEnd).toString('utf8');
    const key = this.byId.get(keyId);
    if (!key) throw new Error(`no data key "${keyId}" to open a sealed ${field}`);
    const iv = sealed.subarray(idEnd, idEnd + IV_BYTES);
    const tag = sealed.subarray(idEnd + IV_BYTES, idEnd + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(associatedData(owner, field));
    decipher.setAuthTag(tag);
    const body = sealed.subarray(idEnd + IV_BYTES + TAG_BYTES);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  }

  /** The same value of the same field in the same tenant always hashes the same. */
  lookup(tenantId: string, field: string, value: string): Buffer {
    return createHmac('sha256', this.keys.lookupKey)
      .update(`${tenantId}\u0000${field}\u0000${value}`)
      .digest()
      .subarray(0, 16);
  }
}

function associatedData(owner: SealedFieldOwner, field: string): Buffer {
  return Buffer.from(`${owner.tenantId}/${owner.customerId}/${field}`, 'utf8');
}

/** Only for development and tests; production refuses to start without real keys. */
export const DEVELOPMENT_KEYS: SensitiveDataKeys = {
  dataKeys: [{ id: 'dev', key: Buffer.alloc(32, 'kanta-development-data-key') }],
  lookupKey: Buffer.alloc(32, 'kanta-development-lookup-key'),
};

/**
 * `CUSTOMERS_DATA_KEYS`: `id:base64key` pairs separated by commas, the sealing key first, each
 * key 32 bytes. `CUSTOMERS_LOOKUP_KEY`: base64, at least 32 bytes. Both required in production.
 */
export function sensitiveDataKeysFromEnv(
  env: NodeJS.ProcessEnv,
  production: boolean,
  problems: string[],
): SensitiveDataKeys {
  const rawKeys = env.CUSTOMERS_DATA_KEYS ?? '';
  const rawLookup = env.CUSTOMERS_LOOKUP_KEY ?? '';
  if (rawKeys === '' && rawLookup === '') {
    if (production) {
      problems.push(
        'CUSTOMERS_DATA_KEYS and CUSTOMERS_LOOKUP_KEY are required when NODE_ENV is production',
      );
    }
    return DEVELOPMENT_KEYS;
  }
  const dataKeys: DataKey[] = [];
  for (const entry of rawKeys.split(',').filter((e) => e.trim() !== '')) {
    const match = /^([A-Za-z0-9_-]{1,40}):([A-Za-z0-9+/=]+)$/.exec(entry.trim());
    const key = match ? Buffer.from(match[2], 'base64') : null;
    if (!match || !key || key.length !== 32) {
      problems.push('CUSTOMERS_DATA_KEYS entries must be id:base64 of a 32-byte key');
      return DEVELOPMENT_KEYS;
    }
    dataKeys.push({ id: match[1], key });
  }
  if (dataKeys.length === 0) problems.push('CUSTOMERS_DATA_KEYS must name at least one key');
  const lookupKey = Buffer.from(rawLookup, 'base64');
  if (lookupKey.length < 32) {
    problems.push('CUSTOMERS_LOOKUP_KEY must be base64 of at least 32 bytes');
  }
  return problems.length > 0 ? DEVELOPMENT_KEYS : { dataKeys, lookupKey };
}

/** SensitiveData for every module of the service (customers, reminders, duplicates). */
@Global()
@Module({})
export class SensitiveDataModule {
  static forRoot(keys: SensitiveDataKeys = DEVELOPMENT_KEYS): DynamicModule {
    return {
      module: SensitiveDataModule,
      providers: [{ provide: SensitiveData, useValue: new SensitiveData(keys) }],
      exports: [SensitiveData],
    };
  }
}
