import { LOCALES } from '@kanta/contracts';
import {
  IMPORT_FILE_PROBLEM_CODES,
  IMPORT_ROW_PROBLEM_CODES,
  IMPORT_WARNING_CODES,
  importMessage,
  isImportMessageCode,
  type ImportMessageCode,
} from './messages';

const CODES: ImportMessageCode[] = [
  ...IMPORT_FILE_PROBLEM_CODES,
  ...IMPORT_ROW_PROBLEM_CODES,
  ...IMPORT_WARNING_CODES,
];

/** The placeholders of a message as written, with no params given. */
const placeholders = (code: ImportMessageCode, locale: (typeof LOCALES)[number]): string[] =>
  [...importMessage(code, locale).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('importMessage', () => {
  it.each(LOCALES)('has every code in %s, with the same placeholders as English', (locale) => {
    for (const code of CODES) {
      expect(placeholders(code, locale)).toEqual(placeholders(code, 'en'));
      const params = Object.fromEntries(placeholders(code, 'en').map((name) => [name, 'X']));
      const message = importMessage(code, locale, params);
      expect(message).not.toMatch(/\{\w+\}/);
      expect(message.length).toBeGreaterThan(10);
    }
  });

  it('shows field names as the headers of the locale', () => {
    expect(importMessage('import-required-column-missing', 'fi', { fields: 'plate, make' })).toBe(
      'Tiedostosta puuttuu sarake: "Rekisterinumero", "Merkki".',
    );
    expect(
      importMessage('import-field-mapped-twice', 'pl', {
        field: 'phone',
        first: 'Tel',
        second: 'Komórka',
      }),
    ).toBe(
      'Zarówno „Tel”, jak i „Komórka” są odczytywane jako "Telefon". Przypisz jedną z nich do innego pola lub ją pomiń.',
    );
  });

  it('writes numbers the locale’s way', () => {
    expect(importMessage('import-too-many-columns', 'fr', { columns: 10000, max: 200 })).toBe(
      'Le fichier a 10\u202f000 colonnes ; 200 au plus sont autorisées.',
    );
    expect(importMessage('import-too-many-columns', 'en', { columns: 10000, max: 200 })).toBe(
      'The file has 10,000 columns; at most 200 are allowed.',
    );
  });

  it('keeps text params as given (HTML is escaped where it is shown, not here)', () => {
    expect(importMessage('import-column-unknown', 'uk', { header: '<b>x</b>', column: 3 })).toBe(
      'Стовпець «<b>x</b>» (стовпець 3) не розпізнано, його буде пропущено.',
    );
  });

  it('knows its codes', () => {
    expect(isImportMessageCode('import-cell-too-long')).toBe(true);
    expect(isImportMessageCode('toString')).toBe(false);
  });
});
