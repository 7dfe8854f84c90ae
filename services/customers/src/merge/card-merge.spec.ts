import { blankCard, type CustomerRow } from '../customers/customer-row';
import { mergeCards, unmergeCards } from './card-merge';

const card = (fields: Partial<CustomerRow>): CustomerRow => ({
  ...blankCard(),
  id: 'id',
  tenant_id: 'tenant',
  kind: 'person',
  first_name: null,
  last_name: null,
  company_name: null,
  phone: null,
  phone_raw: null,
  phone_national: null,
  email: null,
  customer_number: '1',
  station_ids: [],
  origin: 'reception',
  external_ids: [],
  version: 1,
  created_at: new Date(0),
  updated_at: new Date(0),
  erased_at: null,
  merged_into: null,
  ...fields,
});

const street = (name: string) => ({
  type: 'postal' as const,
  street: name,
  postalCode: '00100',
  city: 'Helsinki',
});

describe('mergeCards', () => {
  it("keeps the survivor's values, takes the empty ones and names the conflicts", () => {
    const merged = mergeCards(
      card({ first_name: 'Anna', email: 'a@x.test', customer_number: '1' }),
      card({
        first_name: 'Anna',
        email: 'b@x.test',
        phone: '+358401234567',
        phone_raw: '040 123 4567',
        phone_national: '0401234567',
        customer_number: '2',
        kind: 'company',
      }),
    );
    expect(merged.write).toMatchObject({
      first_name: 'Anna',
      email: 'a@x.test',
      phone: '+358401234567',
      phone_raw: '040 123 4567',
      phone_national: '0401234567',
      customer_number: '1',
      kind: 'person',
    });
    expect(merged.taken).toEqual(['phone']);
    expect(merged.conflicts).toEqual(['email', 'customerNumber', 'kind']);
  });

  it('adds each list element once, and a document only of a type the survivor has none of', () => {
    const merged = mergeCards(
      card({
        addresses: [street('Yksi')],
        documents: [{ type: 'passport', series: null, number: 'P1' }],
        group_ids: ['g1'],
      }),
      card({
        addresses: [street('Yksi'), street('Kaksi')],
        documents: [
          { type: 'passport', series: null, number: 'P2' },
          { type: 'id_card', series: null, number: 'I1' },
        ],
        group_ids: ['g1', 'g2'],
      }),
    );
    expect(merged.write.addresses).toEqual([street('Yksi'), street('Kaksi')]);
    expect(merged.write.documents.map((d) => d.number)).toEqual(['P1', 'I1']);
    expect(merged.write.group_ids).toEqual(['g1', 'g2']);
    expect(merged.added.addresses).toHaveLength(1);
    expect(merged.added.groupIds).toEqual(['g2']);
    expect(merged.conflicts).toContain('documents');
    // Hashes, not values.
    expect(JSON.stringify(merged.added)).not.toContain('Kaksi');
  });
});

describe('unmergeCards', () => {
  it('gives back what is still as the merge left it, and keeps what changed since', () => {
    const survivor = card({ group_ids: ['g1'], addresses: [street('Yksi')] });
    const duplicate = card({
      notes: 'Muistiinpano',
      description: 'Kuvaus',
      group_ids: ['g2'],
      addresses: [street('Kaksi')],
    });
    const merged = mergeCards(survivor, duplicate);
    const since = card({
      ...merged.write,
      description: 'Muutettu',
      group_ids: [...merged.write.group_ids, 'g3'],
    });
    const undone = unmergeCards(since, duplicate, merged.taken, merged.added);
    expect(undone.write).toMatchObject({
      notes: null,
      description: 'Muutettu',
      group_ids: ['g1', 'g3'],
      addresses: [street('Yksi')],
    });
    expect(undone.changed).toEqual(['notes', 'groupIds', 'addresses']);
  });
});
