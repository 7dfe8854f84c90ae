import { SALE_RECORDED_V1 } from '@kanta/contracts';
import type { SaleRow } from './sales.repository';
import { saleEvent } from './sales.service';

describe('the sale event', () => {
  it('carries the sums of the service and the product lines, never a line itself', () => {
    const row: SaleRow = {
      id: '0193a1b2-0000-7000-8000-000000000001',
      station_id: '0193a1b2-0000-7000-8000-000000000002',
      customer_id: null,
      visit_id: null,
      receipt_number: 'R-1',
      receipt_url: null,
      sold_at: new Date('2026-12-01T10:00:00Z'),
      currency: 'EUR',
      total_minor: '8470',
      lines: [
        {
          kind: 'service',
          name: 'Inspection',
          quantity: 1,
          unitPriceMinor: 5990,
          vatRate: 25.5,
          totalMinor: 5990,
        },
        {
          kind: 'product',
          name: 'Wiper',
          quantity: 2,
          unitPriceMinor: 990,
          vatRate: 25.5,
          totalMinor: 1980,
        },
        {
          kind: 'service',
          name: 'Wash',
          quantity: 1,
          unitPriceMinor: 500,
          vatRate: 25.5,
          totalMinor: 500,
        },
      ],
      source: null,
      created_at: new Date('2026-12-01T10:00:00Z'),
    };
    const event = saleEvent('0193a1b2-0000-7000-8000-000000000003', row, null);
    expect(event.type).toBe(SALE_RECORDED_V1);
    expect(event.payload).toEqual({
      saleId: row.id,
      stationId: row.station_id,
      customerId: null,
      visitId: null,
      soldAt: '2026-12-01T10:00:00.000Z',
      currency: 'EUR',
      totalMinor: 8470,
      servicesMinor: 6490,
      productsMinor: 1980,
    });
  });
});
