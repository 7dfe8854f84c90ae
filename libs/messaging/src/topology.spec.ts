import { serviceQueueNames, eventTopologyNames, topicMatches } from './topology';

describe('topicMatches', () => {
  it.each([
    ['customers.customer.created.v1', 'customers.customer.created.v1', true],
    ['customers.customer.*.v1', 'customers.customer.created.v1', true],
    ['customers.customer.*', 'customers.customer.created.v1', false],
    ['customers.#', 'customers.customer.created.v1', true],
    ['#', 'anything.at.all', true],
    ['customers.#.v1', 'customers.v1', true],
    ['*.customer.#', 'vehicles.vehicle.created.v1', false],
    ['customers.customer.created.v1', 'customers.customer.created.v2', false],
  ])('pattern %s against %s is %s', (pattern, key, expected) => {
    expect(topicMatches(pattern, key)).toBe(expected);
  });
});

describe('queue names', () => {
  it('derives main, retry and dead-letter queues from the service and prefix', () => {
    expect(serviceQueueNames('customers')).toEqual({
      main: 'customers.events',
      retry: 'customers.events.retry',
      dlq: 'customers.events.dlq',
    });
    expect(serviceQueueNames('customers', 't1.').main).toBe('t1.customers.events');
  });

  it('pairs the events exchange with an unroutable exchange and queue', () => {
    expect(eventTopologyNames('kanta.events')).toEqual({
      eventsExchange: 'kanta.events',
      unroutableExchange: 'kanta.events.unroutable',
      unroutableQueue: 'kanta.events.unroutable',
    });
  });
});
