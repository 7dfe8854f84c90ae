import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

/*
 * class-validator looks a class's rules up afresh on every validate: it filters the class's
 * metadata and walks every decorated class of the process for its ancestors (`instanceof` each),
 * then groups the result by property. At an import's million rows that lookup was a quarter of
 * each row's check. The answer depends only on its arguments and on the storage's content, so
 * it is kept per class and arguments, and forgotten whenever a rule is added (a class decorated
 * later, a schema registered): the same rules, the same order, looked up once.
 */
type Storage = ReturnType<typeof getMetadataStorage>;
type Lookup = Storage['getTargetValidationMetadatas'];
type Grouping = Storage['groupByPropertyName'];

const PATCHED = Symbol.for('kanta.class-validator.metadata-cache');

/** Installs the cache on class-validator's storage (once per storage; idempotent). */
export function cacheValidationMetadata(storage: Storage = getMetadataStorage()): void {
  const patched = storage as Storage & { [PATCHED]?: true };
  if (patched[PATCHED]) return;
  patched[PATCHED] = true;
  let byTarget = new Map<unknown, Map<string, ValidationMetadata[]>>();
  let grouped = new WeakMap<ValidationMetadata[], Record<string, ValidationMetadata[]>>();
  const forget = (): void => {
    byTarget = new Map();
    grouped = new WeakMap();
  };

  const lookup: Lookup = storage.getTargetValidationMetadatas.bind(storage);
  const group: Grouping = storage.groupByPropertyName.bind(storage);
  const addValidation = storage.addValidationMetadata.bind(storage);
  const addConstraint = storage.addConstraintMetadata.bind(storage);
  const addSchema = storage.addValidationSchema.bind(storage);

  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${schema}\u0000${always}\u0000${strictGroups}\u0000${
      groups === undefined ? '\u0001' : groups.join('\u0000')
    }`;
    let forTarget = byTarget.get(target);
    if (!forTarget) {
      forTarget = new Map<string, ValidationMetadata[]>();
      byTarget.set(target, forTarget);
    }
    let found = forTarget.get(key);
    if (!found) {
      found = lookup(target, schema, always, strictGroups, groups);
      forTarget.set(key, found);
    }
    return found;
  };
  // The executor only reads the grouping (it filters each property's list into new arrays).
  storage.groupByPropertyName = (metadata) => {
    let found = grouped.get(metadata);
    if (!found) grouped.set(metadata, (found = group(metadata)));
    return found;
  };
  storage.addValidationMetadata = (metadata) => {
    forget();
    addValidation(metadata);
  };
  storage.addConstraintMetadata = (metadata) => {
    forget();
    addConstraint(metadata);
  };
  storage.addValidationSchema = (schema) => {
    forget();
    addSchema(schema);
  };
}
