import { randomUUID } from 'node:crypto';
import type { CustomerPage, CustomerView } from '@kanta/contracts';
import { JsonText } from '@kanta/platform';
import { customerIdsOfPage } from './customer-ids';

/** A card as the customers service writes it: id first, version last, nested ids inside. */
function card(overrides: Partial<CustomerView> = {}): CustomerView {
  return {
    id: randomUUID(),
    kind: 'person',
    firstName: 'Testi',
    lastName: 'Asiakas {"id":"00000000-0000-4000-8000-000000000000"}',
    companyName: null,
    businessId: null,
    phone: null,
    phoneRaw: null,
    email: null,
    addresses: [],
    notes: '},{"id":"00000000-0000-4000-8000-000000000001"',
    status: 'active',
    customerNumber: '1001',
    stationIds: [randomUUID()],
    origin: 'reception',
    // An external id that is a UUID, in the order jsonb keeps keys (id first).
    externalIds: [{ id: randomUUID(), system: 'dms' }],
    description: null,
    groupIds: [randomUUID()],
    sourceId: null,
    regularOfUserId: null,
    discountPercent: null,
    nameDay: null,
    birthday: null,
    documents: [],
    internal: false,
    leasingCompany: null,
    leasingCompanyId: null,
    sensitiveMasked: false,
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    deletionRequest: { id: randomUUID(), requestedAt: 'x', dueAt: 'y' },
    version: 12,
    ...overrides,
  } as CustomerView;
}

const pageOf = (items: CustomerView[]): JsonText<CustomerPage> =>
  new JsonText(JSON.stringify({ items, nextCursor: items.length > 0 ? 'next' : null }));

describe('the customers a relayed search page answered with', () => {
  it('are the ids of its items, in order, and no id nested in an item or typed into a field', () => {
    const items = [card(), card({ version: 1 }), card()];
    expect(customerIdsOfPage(pageOf(items))).toEqual(items.map((item) => item.id));
  });

  it('are none for an empty page', () => {
    expect(customerIdsOfPage(pageOf([]))).toEqual([]);
  });

  it('are read by parsing a page of another shape', () => {
    const ids = [randomUUID(), randomUUID()];
    const text = JSON.stringify({ nextCursor: null, items: ids.map((id) => ({ kind: 'x', id })) });
    expect(customerIdsOfPage(new JsonText(text))).toEqual(ids);
  });
});
