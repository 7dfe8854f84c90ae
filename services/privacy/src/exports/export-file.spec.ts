import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { DATA_EXPORT_FORMAT, type CustomerView } from '@kanta/contracts';
import { exportZip, type ExportDocument } from './export-file';

const document = (overrides: Partial<ExportDocument> = {}): ExportDocument => ({
  format: DATA_EXPORT_FORMAT,
  exportId: '0190a000-0000-7000-8000-000000000001',
  customerId: '0190a000-0000-7000-8000-000000000002',
  exportedAt: '2026-12-07T12:00:00.000Z',
  customers: {
    customer: {
      id: 'c',
      lastName: 'Virtanen',
      addresses: [{ city: 'Turku' }],
    } as unknown as CustomerView,
    reminders: [],
    marketingConsents: [],
  },
  vehicles: { vehicles: [], visits: [], sales: [] },
  consents: {
    current: [],
    history: [],
    texts: [],
    preferences: {
      customerId: 'c',
      blocked: false,
      preferredChannel: 'email',
      serviceNotifications: true,
      version: 0,
      updatedAt: null,
    },
  },
  privacy: { accessLog: [], merges: [] },
  ...overrides,
});

async function open(zip: Buffer) {
  const files = await JSZip.loadAsync(zip);
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(await files.file('data.xlsx')!.async('arraybuffer'));
  return { json: JSON.parse(await files.file('data.json')!.async('string')) as unknown, book };
}

describe('the data export file', () => {
  it('holds data.json as given and a sheet per table even when every table is empty', async () => {
    const { json, book } = await open(await exportZip(document(), 'en'));
    expect(json).toEqual(document());
    expect(book.worksheets).toHaveLength(12);
    expect(book.getWorksheet('Merges')!.rowCount).toBe(0);
  });

  it("names sheets and heads columns in the tenant's locale, lists and objects as JSON", async () => {
    const { book } = await open(await exportZip(document(), 'fr'));
    const card = book.getWorksheet('Fiche client')!;
    expect((card.getRow(1).values as unknown[]).slice(1)).toEqual(['Champ', 'Valeur']);
    expect((card.getRow(3).values as unknown[]).slice(1)).toEqual(['Nom', 'Virtanen']);
    expect((card.getRow(4).values as unknown[]).slice(1)).toEqual([
      'Adresses',
      '[{"city":"Turku"}]',
    ]);
  });
});
