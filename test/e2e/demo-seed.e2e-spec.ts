import type { CustomerPage } from '@kanta/contracts';
import { DEMO_PASSWORD, DEMO_TENANTS, seedDemo } from '@kanta/local';
import { startE2eSystem, type E2eSystem } from './support';

jest.setTimeout(180_000);

/* What `npm start` seeds on an empty system, through the same public API, and only once. */
describe('the demo seed (whole system)', () => {
  let e2e: E2eSystem;

  beforeAll(async () => {
    e2e = await startE2eSystem('demoseed');
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  it('seeds every demo tenant on an empty system, and nothing the second time', async () => {
    const lines: string[] = [];
    expect(await seedDemo(e2e.superadmin, (line) => lines.push(line))).toBe(true);
    for (const demo of DEMO_TENANTS) {
      const admin = await e2e.api.login(demo.admin, DEMO_PASSWORD);
      const page = await admin.expect<CustomerPage>(
        200,
        'GET',
        '/api/v1/customers?includePassive=true&limit=100',
      );
      expect(page.items).toHaveLength(100);
      expect(page.nextCursor).not.toBeNull();
    }
    expect(await seedDemo(e2e.superadmin, () => undefined)).toBe(false);
  });
});
