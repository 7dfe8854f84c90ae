// Synthetic demo customers. Names are common ones combined at random; e-mails use the reserved
// example.test domain and phone numbers are random valid-format numbers, so nothing here is a
// real person's data.
export interface LocaleNames {
  first: string[];
  last: string[];
  companies: string[];
  mobile: () => string;
  cities: [string, string][];
  streets: string[];
}

export const NAMES: Record<'fi' | 'pl', LocaleNames> = {
  fi: {
    first: [
      'Matti',
      'Liisa',
      'Juha',
      'Anna',
      'Mikko',
      'Aino',
      'Jari',
      'Sanna',
      'Pekka',
      'Helmi',
      'Timo',
      'Eeva',
      'Ville',
      'Kaisa',
      'Ari',
      'Päivi',
    ],
    last: [
      'Mäkinen',
      'Virtanen',
      'Korhonen',
      'Nieminen',
      'Hämäläinen',
      'Laine',
      'Heikkinen',
      'Koskinen',
      'Järvinen',
      'Lehtonen',
      'Saarinen',
      'Salminen',
      'Heinonen',
      'Mäkelä',
      'Räsänen',
      'Kärkkäinen',
    ],
    companies: [
      'Autokorjaamo Laine Oy',
      'Kuljetus Virtanen Ky',
      'Rakennus Mäkelä Oy',
      'Parturi Helmi Tmi',
      'Leasing Pohjola Oy',
    ],
    mobile: () => `04${digit(0, 6)} ${digits(3)} ${digits(4)}`,
    cities: [
      ['00100', 'Helsinki'],
      ['33100', 'Tampere'],
      ['20100', 'Turku'],
      ['90100', 'Oulu'],
    ],
    streets: ['Mannerheimintie', 'Hämeenkatu', 'Aurakatu', 'Kauppakatu'],
  },
  pl: {
    first: [
      'Jan',
      'Anna',
      'Piotr',
      'Katarzyna',
      'Paweł',
      'Małgorzata',
      'Tomasz',
      'Agnieszka',
      'Krzysztof',
      'Zofia',
      'Łukasz',
      'Ewa',
    ],
    last: [
      'Nowak',
      'Kowalski',
      'Wiśniewski',
      'Wójcik',
      'Kowalczyk',
      'Kamiński',
      'Lewandowski',
      'Zieliński',
      'Szymański',
      'Woźniak',
      'Dąbrowski',
      'Kozłowski',
    ],
    companies: [
      'Auto-Serwis Nowak Sp. z o.o.',
      'Transport Wójcik s.c.',
      'Salon Fryzjerski Zofia',
      'Leasing Mazowsze S.A.',
    ],
    mobile: () =>
      `${pick(['50', '51', '53', '60', '66', '69', '72', '78', '79', '88'])}${digit(0, 9)} ${digits(3)} ${digits(3)}`,
    cities: [
      ['00-001', 'Warszawa'],
      ['30-001', 'Kraków'],
      ['80-001', 'Gdańsk'],
      ['50-001', 'Wrocław'],
    ],
    streets: ['ul. Marszałkowska', 'ul. Floriańska', 'ul. Długa', 'ul. Świdnicka'],
  },
};

function digit(min: number, max: number): string {
  return String(min + Math.floor(Math.random() * (max - min + 1)));
}
function digits(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += digit(0, 9);
  return s;
}
function pick<T>(list: readonly T[]): T {
  return list[Math.floor(Math.random() * list.length)];
}
function ascii(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ł/g, 'l')
    .replace(/Ł/g, 'L');
}

/** `count` customer bodies for POST /api/v1/customers in the given locale's style. */
export function demoCustomers(
  locale: 'fi' | 'pl',
  count: number,
  stationIds: string[],
): Record<string, unknown>[] {
  const n = NAMES[locale];
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const station = [stationIds[i % stationIds.length]];
    const [postalCode, city] = pick(n.cities);
    const address = {
      type: 'home',
      street: `${pick(n.streets)} ${1 + (i % 90)}`,
      postalCode,
      city,
      country: locale.toUpperCase(),
    };
    if (i % 12 === 0) {
      const companyName = `${pick(n.companies)} ${i}`;
      out.push({
        kind: 'company',
        companyName,
        phone: n.mobile(),
        email: `info${i}@${locale}-demo.example.test`,
        stationIds: station,
        addresses: [{ ...address, type: 'registered' }],
      });
      continue;
    }
    const firstName = pick(n.first);
    const lastName = pick(n.last);
    const body: Record<string, unknown> = {
      kind: 'person',
      firstName,
      lastName,
      stationIds: station,
      addresses: [address],
    };
    if (i % 5 !== 0) body.phone = n.mobile();
    if (i % 3 !== 0)
      body.email = `${ascii(firstName).toLowerCase()}.${ascii(lastName).toLowerCase()}${i}@example.test`;
    if (i % 17 === 0) body.status = 'passive';
    if (i % 11 === 0) body.externalIds = [{ system: 'dms', id: `DMS-${100000 + i}` }];
    out.push(body);
  }
  return out;
}
