import {
  IsString,
  MaxLength,
  MetadataStorage,
  getMetadataStorage,
  validateSync,
} from 'class-validator';
import { AddressDto, CreateCustomerDto, CreateVehicleDto } from '@kanta/contracts';
import { cacheValidationMetadata } from './metadata-cache';
import './validation';

/** A storage of its own, filled with the same rules as the process's, without the cache. */
function copyOf(storage: MetadataStorage): MetadataStorage {
  const plain = new MetadataStorage();
  const all = (storage as unknown as { validationMetadatas: Map<unknown, never[]> })
    .validationMetadatas;
  for (const list of all.values()) for (const m of list) plain.addValidationMetadata(m);
  return plain;
}

describe('the validation metadata cache', () => {
  it('answers the very rules class-validator looks up, in the same order, for any arguments', () => {
    const cached = copyOf(getMetadataStorage());
    const plain = copyOf(cached);
    cacheValidationMetadata(cached);
    for (const target of [CreateCustomerDto, AddressDto, CreateVehicleDto]) {
      for (const [always, strict, groups] of [
        [false, false, undefined],
        [true, false, undefined],
        [false, true, []],
        [false, false, ['x']],
      ] as [boolean, boolean, string[] | undefined][]) {
        for (let i = 0; i < 2; i++) {
          const got = cached.getTargetValidationMetadatas(target, '', always, strict, groups);
          expect(got).toEqual(
            plain.getTargetValidationMetadatas(target, '', always, strict, groups),
          );
          expect(cached.groupByPropertyName(got)).toEqual(plain.groupByPropertyName(got));
        }
      }
    }
  });

  it('forgets what it kept when a rule is added (a class decorated after a first validate)', () => {
    class Late {
      @IsString()
      name!: unknown;
    }
    const first = new Late();
    first.name = 'x'.repeat(20);
    expect(validateSync(first)).toEqual([]);
    MaxLength(10)(Late.prototype, 'name');
    expect(validateSync(first).map((e) => Object.keys(e.constraints ?? {}))).toEqual([
      ['maxLength'],
    ]);
  });
});
