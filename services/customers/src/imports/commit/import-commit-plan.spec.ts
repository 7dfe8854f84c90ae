import type { CustomerRow } from '../../customers/customer-row';
import { actionOf, patchOf } from './import-commit-plan';

const card = (fields: Partial<CustomerRow>): CustomerRow =>
  ({
    kind: 'person',
    first_name: null,
    last_name: null,
    company_name: null,
    business_id: null,
    phone: null,
    email: null,
    addresses: [],
    notes: null,
    birthday: null,
    ...fields,
  }) as CustomerRow;

describe('what the commit does with a planned row', () => {
  it('creates creates and updates updates whatever the policy', () => {
    for (const policy of ['skip', 'create', 'merge'] as const) {
      expect(actionOf('create', policy)).toBe('create');
      expect(actionOf('update', policy)).toBe('update');
      expect(actionOf('duplicate_in_file', policy)).toBe('skip');
      expect(actionOf('error', policy)).toBe('none');
    }
  });

  it('follows the policy for duplicates of existing customers', () => {
    expect(actionOf('duplicate', 'skip')).toBe('skip');
    expect(actionOf('duplicate', 'create')).toBe('create');
    expect(actionOf('duplicate', 'merge')).toBe('merge');
  });
});

describe('the patch of an update or a merge', () => {
  const planned = {
    kind: 'company' as const,
    firstName: 'Uusi',
    lastName: 'Nimi',
    email: 'uusi@example.test',
    notes: 'from the file',
    addresses: [{ type: 'home' as const, city: 'Espoo' }],
    customerNumber: 'X-1',
    externalIds: [{ system: 'timma', id: '7' }],
  };

  it('writes every field the row has on an update, never the number or external ids', () => {
    expect(patchOf('update', card({ first_name: 'Vanha' }), planned)).toEqual({
      kind: 'company',
      firstName: 'Uusi',
      lastName: 'Nimi',
      email: 'uusi@example.test',
      notes: 'from the file',
      addresses: [{ type: 'home', city: 'Espoo' }],
    });
  });

  it("fills only the card's empty fields on a merge, and never changes its kind", () => {
    const current = card({
      first_name: 'Vanha',
      email: 'vanha@example.test',
      addresses: [{ type: 'home', city: 'Turku' }],
    });
    expect(patchOf('merge', current, planned)).toEqual({
      lastName: 'Nimi',
      notes: 'from the file',
    });
  });
});
