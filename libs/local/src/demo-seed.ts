import type { KantaApi } from './api-client';
import { demoCustomers } from './demo-data';

export const DEMO_PASSWORD = 'demo-password';
export const SUPERADMIN_EMAIL = 'root@kanta.test';

interface DemoTenant {
  slug: string;
  name: string;
  locale: 'fi' | 'pl';
  country: string;
  timeZone: string;
  stations: string[];
  admin: string;
  worker?: string;
  customers: number;
}

export const DEMO_TENANTS: DemoTenant[] = [
  {
    slug: 'demo',
    name: 'Demo Katsastus Oy',
    locale: 'fi',
    country: 'FI',
    timeZone: 'Europe/Helsinki',
    stations: ['Helsinki Pasila', 'Tampere Hervanta'],
    admin: 'admin@demo.test',
    worker: 'worker@demo.test',
    customers: 300,
  },
  {
    slug: 'demo-pl',
    name: 'Demo Stacja Kontroli Pojazdów Sp. z o.o.',
    locale: 'pl',
    country: 'PL',
    timeZone: 'Europe/Warsaw',
    stations: ['Warszawa Mokotów'],
    admin: 'admin@demo-pl.test',
    customers: 300,
  },
];

/** The demo tenants' customer groups and sources, in their language. */
const DEMO_LABELS: Record<DemoTenant['locale'], { groups: string[]; sources: string[] }> = {
  fi: {
    groups: ['Vakioasiakkaat', 'Satunnaiset', 'Yritysasiakkaat'],
    sources: ['Suositus', 'Internet', 'Radiomainos'],
  },
  pl: {
    groups: ['Stali klienci', 'Okazjonalni', 'Firmy'],
    sources: ['Polecenie', 'Internet', 'Reklama radiowa'],
  },
};

interface Created {
  id: string;
}

/**
 * Creates the demo tenants, their stations, users and customers through the public API, as a
 * user would. Does nothing when the `demo` tenant already exists.
 */
export async function seedDemo(
  superadmin: KantaApi,
  log: (line: string) => void = () => undefined,
): Promise<boolean> {
  const existing = await superadmin.expect<{ items: { slug: string }[] }>(
    200,
    'GET',
    '/api/v1/tenants',
  );
  if (existing.items.some((t) => t.slug === 'demo')) return false;
  for (const demo of DEMO_TENANTS) {
    const tenant = await superadmin.expect<Created>(201, 'POST', '/api/v1/tenants', {
      slug: demo.slug,
      name: demo.name,
      locale: demo.locale,
      country: demo.country,
      timeZone: demo.timeZone,
    });
    await superadmin.expect(201, 'POST', '/api/v1/users', {
      tenantId: tenant.id,
      email: demo.admin,
      password: DEMO_PASSWORD,
      role: 'admin',
      stationIds: [],
    });
    let admin = await superadmin.login(demo.admin, DEMO_PASSWORD);
    const stationIds: string[] = [];
    for (const name of demo.stations) {
      const station = await admin.expect<Created>(201, 'POST', '/api/v1/stations', { name });
      stationIds.push(station.id);
    }
    // Log in again so the token's current station is one of the new stations.
    admin = await superadmin.login(demo.admin, DEMO_PASSWORD, stationIds[0]);
    if (demo.worker) {
      await admin.expect(201, 'POST', '/api/v1/users', {
        email: demo.worker,
        password: DEMO_PASSWORD,
        role: 'worker',
        stationIds: [stationIds[0]],
      });
    }
    const labelIds = async (path: string, names: string[]): Promise<string[]> => {
      const ids: string[] = [];
      for (const name of names) {
        ids.push((await admin.expect<Created>(201, 'POST', `/api/v1/${path}`, { name })).id);
      }
      return ids;
    };
    const groups = await labelIds('customer-groups', DEMO_LABELS[demo.locale].groups);
    const sources = await labelIds('customer-sources', DEMO_LABELS[demo.locale].sources);
    const bodies = demoCustomers(demo.locale, demo.customers, stationIds).map((body, i) => ({
      ...body,
      ...(i % 4 === 0 ? { groupIds: [groups[i % groups.length]] } : {}),
      ...(i % 3 === 0 ? { sourceId: sources[i % sources.length] } : {}),
    }));
    const workers = 8;
    await Promise.all(
      Array.from({ length: workers }, async (_, w) => {
        for (let i = w; i < bodies.length; i += workers) {
          // Names are combined at random, so some demo customers look alike (same name and
          // postal code): they are created anyway, as an import would.
          const customer = await admin.expect<Created>(
            201,
            'POST',
            '/api/v1/customers?allowDuplicate=true',
            bodies[i],
          );
          if (i % 5 === 0) await demoVehicleAndVisit(admin, customer.id, i, stationIds);
        }
      }),
    );
    log(
      `seeded tenant ${demo.slug}: ${stationIds.length} stations, ${bodies.length} customers, ` +
        `${Math.ceil(bodies.length / 5)} vehicles with a visit each`,
    );
  }
  return true;
}

/** Every fifth demo customer owns a car (plates DEM-000…) and has one visit, past or booked. */
async function demoVehicleAndVisit(
  admin: KantaApi,
  customerId: string,
  i: number,
  stationIds: string[],
): Promise<void> {
  const vehicle = await admin.expect<Created>(201, 'POST', '/api/v1/vehicles', {
    registration: `DEM-${String(i).padStart(3, '0')}`,
    make: 'Demo',
    model: `Model ${1 + (i % 4)}`,
    year: 2005 + (i % 20),
  });
  await admin.expect(200, 'POST', `/api/v1/vehicles/${vehicle.id}/customers`, {
    customerId,
    role: 'owner',
    isDefault: true,
  });
  const scheduledAt = new Date(Date.now() + (i % 2 === 0 ? -1 : 1) * (1 + i) * 86_400_000);
  await admin.expect(201, 'POST', '/api/v1/visits', {
    stationId: stationIds[i % stationIds.length],
    customerId,
    vehicleId: vehicle.id,
    kind: 'inspection',
    channel: i % 3 === 0 ? 'online_booking' : 'phone',
    scheduledAt: scheduledAt.toISOString(),
  });
}
