import { LOCALES } from '@kanta/contracts';
import {
  FIELD_LABELS,
  IMPORT_FIELDS,
  ambiguousFieldsOfHeader,
  fieldOfHeader,
  fixedValueOf,
  foldHeader,
  missingRequiredFields,
} from './import-fields';

describe('the header dictionary', () => {
  it('folds case, accents, punctuation and the required mark away', () => {
    expect(foldHeader(' E-mail * ')).toBe('email');
    expect(foldHeader('Prénom')).toBe('prenom');
    expect(foldHeader('Miejscowość')).toBe('miejscowosc');
    expect(foldHeader('Łódź')).toBe('lodz');
    expect(foldHeader('Імʼя')).toBe(foldHeader("Ім'я"));
  });

  it.each(LOCALES)('reads every %s label back as its field', (locale) => {
    for (const field of IMPORT_FIELDS) {
      expect(fieldOfHeader(FIELD_LABELS[locale][field])).toBe(field);
      expect(fieldOfHeader(FIELD_LABELS[locale][field].toUpperCase())).toBe(field);
    }
  });

  it('reads the columns Timma and FixIQ name', () => {
    const timma = ['Nimi', 'Puhelinnumero', 'Osoite', 'Postinumero', 'Lisätiedot'];
    expect(timma.map(fieldOfHeader)).toEqual([
      'fullName',
      'phone',
      'street',
      'postalCode',
      'notes',
    ]);
    expect(['Perustamisajankohta', 'ID'].map(fieldOfHeader)).toEqual(['createdAt', 'externalId']);
    expect(ambiguousFieldsOfHeader('Markkinointiluvat')).toEqual([
      'emailMarketing',
      'smsMarketing',
    ]);
    const fixiq = ['ПІБ власника', 'Марка', 'Модель', 'Державний номер', 'VIN код', 'Рік'];
    expect(fixiq.map(fieldOfHeader)).toEqual(['fullName', 'make', 'model', 'plate', 'vin', 'year']);
  });

  it('does not guess a header it does not know', () => {
    expect(fieldOfHeader('Shoe size')).toBeNull();
    expect(fieldOfHeader('')).toBeNull();
    expect(ambiguousFieldsOfHeader('Phone')).toBeNull();
  });
});

describe('fixed values', () => {
  it('reads consent words of every locale, and 1/0/x', () => {
    for (const yes of ['yes', 'Kyllä', 'TAK', 'oui', 'так', '1', 'x', 'true']) {
      expect(fixedValueOf('emailMarketing', yes)).toBe('yes');
    }
    for (const no of ['no', 'ei', 'nie', 'non', 'ні', '0', 'false']) {
      expect(fixedValueOf('smsMarketing', no)).toBe('no');
    }
    expect(fixedValueOf('smsMarketing', '  ')).toBeNull();
    expect(fixedValueOf('smsMarketing', 'maybe')).toBeUndefined();
  });

  it('reads customer types of every locale', () => {
    expect(
      ['henkilö', 'osoba', 'particulier', 'фізична особа', 'person'].map((t) =>
        fixedValueOf('kind', t),
      ),
    ).toEqual(['person', 'person', 'person', 'person', 'person']);
    expect(
      ['yritys', 'firma', 'entreprise', 'компанія', 'company'].map((t) => fixedValueOf('kind', t)),
    ).toEqual(['company', 'company', 'company', 'company', 'company']);
  });
});

describe('missingRequiredFields', () => {
  const having =
    (...fields: string[]) =>
    (field: string): boolean =>
      fields.includes(field);

  it('wants first and last name, a full name or a company name', () => {
    expect(missingRequiredFields(having('firstName', 'lastName'))).toEqual([]);
    expect(missingRequiredFields(having('fullName'))).toEqual([]);
    expect(missingRequiredFields(having('companyName'))).toEqual([]);
    expect(missingRequiredFields(having('firstName'))).toEqual(['lastName']);
    expect(missingRequiredFields(having('phone'))).toEqual(['fullName']);
  });

  it('wants plate, make and model with any vehicle field (VIN and year optional)', () => {
    expect(missingRequiredFields(having('fullName', 'vin'))).toEqual(['plate', 'make', 'model']);
    expect(missingRequiredFields(having('fullName', 'plate', 'make', 'model'))).toEqual([]);
  });
});
