import { randomUUID } from 'node:crypto';
import {
  problemType,
  type CustomerPage,
  type CustomerView,
  type VehicleLinkView,
} from '@kanta/contracts';
import { JsonText, ProblemError } from '@kanta/platform';
import {
  candidatesShown,
  customerIdsOfPage,
  customersOfItems,
  customersOfVehicle,
  customersOfVehicles,
  itsCustomer,
  theCustomerSent,
  theRouteCustomer,
  theRouteParam,
} from './customer-ids';
import type { AuditedRequest } from './records-access';

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

  it('are those the customers service sent beside the page, without parsing it', () => {
    const shown = [randomUUID(), randomUUID()];
    // Not JSON: a parse would throw, so the ids can only have come from beside the text.
    expect(customerIdsOfPage(new JsonText('{"items":[…]}', shown))).toEqual(shown);
    expect(customerIdsOfPage(new JsonText('{"items":[]}', []))).toEqual([]);
  });

  it('are read by parsing a page of another shape', () => {
    const ids = [randomUUID(), randomUUID()];
    const text = JSON.stringify({ nextCursor: null, items: ids.map((id) => ({ kind: 'x', id })) });
    expect(customerIdsOfPage(new JsonText(text))).toEqual(ids);
  });
});

const request = (params: AuditedRequest['params'] = {}, body: unknown = undefined) => ({
  params,
  body,
});
const link = (customerId: string): VehicleLinkView => ({
  customerId,
  role: 'owner',
  isDefault: false,
  linkedAt: new Date().toISOString(),
});

describe('the customers a request or its answer concerns', () => {
  const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];

  it("are the route's customer, lower-cased as the handler got it", () => {
    expect(theRouteCustomer({}, request({ id: a.toUpperCase() }))).toEqual([a]);
    expect(theRouteParam('customerId')({}, request({ id: b, customerId: a }))).toEqual([a]);
    expect(theRouteParam('customerId')({}, request({ id: b }))).toEqual([]);
  });

  it('are the customer a body sends, and none for a body without one', () => {
    expect(
      theCustomerSent({}, request({}, { customerId: a.toUpperCase(), role: 'owner' })),
    ).toEqual([a]);
    expect(theCustomerSent({}, request({}, { customerId: 7 }))).toEqual([]);
    expect(theCustomerSent({}, request({}, undefined))).toEqual([]);
  });

  it("are a visit's, sale's or reminder's customer, none without one", () => {
    expect(itsCustomer({ customerId: a }, request())).toEqual([a]);
    expect(itsCustomer({ customerId: null }, request())).toEqual([]);
  });

  it("are a page's items' customers, each once, without the items of nobody", () => {
    const page = {
      items: [{ customerId: a }, { customerId: null }, { customerId: b }, { customerId: a }],
    };
    expect(customersOfItems(page, request())).toEqual([a, b]);
    expect(customersOfItems({ items: [] }, request())).toEqual([]);
  });

  it("are a vehicle's linked customers, and those of a page of vehicles each once", () => {
    expect(customersOfVehicle({ customers: [link(a), link(b)] }, request())).toEqual([a, b]);
    const page = {
      items: [
        { customers: [link(a), link(b)] },
        { customers: [] },
        { customers: [link(b), link(c)] },
      ],
    };
    expect(customersOfVehicles(page, request())).toEqual([a, b, c]);
  });
});

describe('the customers a failed create showed', () => {
  const possibleDuplicate = (candidates: unknown) =>
    new ProblemError({
      type: problemType('possible-duplicate'),
      title: 'Possible duplicate',
      status: 409,
      candidates,
      hiddenCandidates: 3,
    });

  it('are the candidates of a possible-duplicate problem, not the hidden ones', () => {
    const ids = [randomUUID(), randomUUID()];
    const candidates = ids.map((customerId) => ({ customerId, customerNumber: '1', score: 1 }));
    expect(candidatesShown(possibleDuplicate(candidates))).toEqual(ids);
    expect(candidatesShown(possibleDuplicate([]))).toEqual([]);
  });

  it('are none for any other failure', () => {
    expect(candidatesShown(ProblemError.conflict('customer-number-taken', 'taken'))).toEqual([]);
    expect(candidatesShown(new Error('down'))).toEqual([]);
    expect(candidatesShown(possibleDuplicate(undefined))).toEqual([]);
  });
});
