import type { CustomerView, ProblemDetails } from '@kanta/contracts';
import {
  createTenant,
  publishedEvent,
  startE2eSystem,
  type E2eSystem,
  type TenantFixture,
} from './support';

jest.setTimeout(90_000);

describe('events, correlation and a missing service (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;

  beforeAll(async () => {
    e2e = await startE2eSystem('resilience');
    fi = await createTenant(e2e, 'res-fi');
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  it('publishes customers.customer.created.v1 without personal data, with the request id', async () => {
    const { result: created, message } = await publishedEvent(
      e2e,
      'customers.customer.*.v1',
      () =>
        fi.admin.request<CustomerView>(
          'POST',
          '/api/v1/customers',
          { firstName: 'Eveliina', lastName: 'Tapahtuma', email: 'eveliina@example.test' },
          { 'x-request-id': 'e2e-correlation-42' },
        ),
      (text, response) => text.includes(response.body.id),
    );
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBe('e2e-correlation-42');
    const envelope = JSON.parse(message) as Record<string, unknown>;
    expect(envelope).toMatchObject({
      type: 'customers.customer.created.v1',
      tenantId: fi.tenantId,
      producer: 'customers',
      correlationId: 'e2e-correlation-42',
      payload: { customerId: created.body.id },
    });
    expect(message).not.toContain('Eveliina');
    expect(message).not.toContain('eveliina@example.test');
  });

  it('keeps personal data out of the services’ logs', () => {
    const joined = e2e.logs.join('\n');
    // The request above is in the logs (so they were captured and this check can fail)…
    expect(joined).toContain('e2e-correlation-42');
    // …but not the person it created.
    expect(joined).not.toContain('eveliina@example.test');
    expect(joined).not.toContain('Tapahtuma');
  });

  it('answers a clear 503 or 504 problem, quickly, when the customers service is gone', async () => {
    const customers = e2e.system.processes.customers;
    await new Promise<void>((resolve) => {
      customers.once('exit', () => resolve());
      customers.kill('SIGTERM');
    });
    const started = Date.now();
    const response = await fi.admin.request<ProblemDetails>('GET', '/api/v1/customers?q=x');
    const elapsed = Date.now() - started;
    expect([503, 504]).toContain(response.status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.title).toBeTruthy();
    expect(elapsed).toBeLessThan(8_000);
    const health = await e2e.api.request<{ status: string }>('GET', '/health');
    expect(health.status).toBe(503);
  });
});
