import type { Locale } from '@kanta/contracts';
import ExcelJS from 'exceljs';
import {
  FIELD_LABELS,
  FIXED_VALUE_LABELS,
  templateFields,
  templateRequiredFields,
  type ImportField,
} from './import-fields';

/** Rows of the first sheet that get the drop-downs and text formats. */
const TEMPLATE_ROWS = 5000;

interface TemplateTexts {
  sheet: string;
  guideSheet: string;
  guideHeaders: [column: string, required: string, explanation: string, example: string];
  yes: string;
  no: string;
  requiredNote: string;
  eitherName: string;
  vehicleRequired: string;
  pick: string;
  explanations: Record<ImportField, string>;
}

/**
 * Fictional examples, the same in every locale where they are not words: names nobody has,
 * numbers from the ranges set aside for drama and tests (+358 40 000 0000, 555 in Poland),
 * example.test addresses.
 */
const EXAMPLES: Record<Locale, Partial<Record<ImportField, string>>> = {
  en: {
    firstName: 'Test',
    lastName: 'Customer',
    companyName: 'Example Workshop Ltd',
    street: '1 Example Street',
    city: 'Testville',
    country: 'FI',
    notes: 'Prefers calls in the morning',
  },
  fi: {
    firstName: 'Testi',
    lastName: 'Asiakas',
    companyName: 'Esimerkki Oy',
    businessId: '0000000-0',
    street: 'Testikatu 1',
    city: 'Testilä',
    country: 'FI',
    notes: 'Soittaa mieluiten aamupäivällä',
  },
  pl: {
    firstName: 'Jan',
    lastName: 'Testowy',
    companyName: 'Przykład sp. z o.o.',
    businessId: '000-000-00-00',
    street: 'ul. Testowa 1',
    postalCode: '00-000',
    city: 'Testowo',
    country: 'PL',
    notes: 'Woli kontakt rano',
  },
  fr: {
    firstName: 'Client',
    lastName: 'Exemple',
    companyName: 'Garage Exemple SARL',
    businessId: '000 000 000 00000',
    street: '1 rue de l’Exemple',
    postalCode: '00000',
    city: 'Testville',
    country: 'FR',
    notes: 'Préfère être appelé le matin',
  },
  uk: {
    firstName: 'Тест',
    lastName: 'Клієнт',
    companyName: 'ТОВ «Приклад»',
    businessId: '00000000',
    street: 'вул. Тестова, 1',
    postalCode: '00000',
    city: 'Тестове',
    country: 'UA',
    notes: 'Телефонувати зранку',
  },
};

const COMMON_EXAMPLES: Partial<Record<ImportField, string>> = {
  customerNumber: '1001',
  phone: '+358 40 000 0000',
  email: 'testi.asiakas@example.test',
  postalCode: '00000',
  birthday: '1980-01-31',
  plate: 'TST-123',
  vin: 'WVWZZZ1JZXW000000',
  make: 'Toyota',
  model: 'Corolla',
  year: '2015',
};

const TEXTS: Record<Locale, TemplateTexts> = {
  en: {
    sheet: 'Customers',
    guideSheet: 'Instructions',
    guideHeaders: ['Column', 'Required', 'What to write', 'Example'],
    yes: 'yes',
    no: 'no',
    requiredNote: 'Required.',
    eitherName: 'Required for a person; a company needs its company name instead.',
    vehicleRequired: 'Required when the row has a vehicle.',
    pick: 'Pick from the list',
    explanations: {
      customerNumber: 'Your own number for the customer. Leave empty to get the next free one.',
      externalId: 'The customer’s ID in the system you are leaving.',
      kind: 'person or company. Empty: person.',
      firstName: 'First name.',
      lastName: 'Last name.',
      fullName: 'First and last name in one column.',
      companyName: 'The company’s name (customer type company).',
      businessId: 'The company’s business ID.',
      phone: 'Phone number, best with the country code (+358…).',
      email: 'E-mail address.',
      street: 'Street address.',
      postalCode: 'Postal code.',
      city: 'City.',
      country: 'Country code, two letters (FI, PL, FR, UA).',
      birthday: 'Date of birth: YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY.',
      notes: 'Free text.',
      emailMarketing:
        'Has the customer agreed to marketing by e-mail: yes or no. Empty: not asked.',
      smsMarketing: 'Has the customer agreed to marketing by SMS: yes or no. Empty: not asked.',
      createdAt: 'When the customer was created in the old system.',
      plate: 'The vehicle’s registration plate.',
      vin: 'The vehicle identification number (17 characters). Optional.',
      make: 'The vehicle’s make.',
      model: 'The vehicle’s model.',
      year: 'Model year. Optional.',
    },
  },
  fi: {
    sheet: 'Asiakkaat',
    guideSheet: 'Ohjeet',
    guideHeaders: ['Sarake', 'Pakollinen', 'Mitä kirjoitetaan', 'Esimerkki'],
    yes: 'kyllä',
    no: 'ei',
    requiredNote: 'Pakollinen.',
    eitherName: 'Pakollinen henkilölle; yritykselle riittää yrityksen nimi.',
    vehicleRequired: 'Pakollinen, kun rivillä on ajoneuvo.',
    pick: 'Valitse listasta',
    explanations: {
      customerNumber: 'Oma asiakasnumeronne. Tyhjä: seuraava vapaa numero.',
      externalId: 'Asiakkaan tunnus vanhassa järjestelmässä.',
      kind: 'henkilö tai yritys. Tyhjä: henkilö.',
      firstName: 'Etunimi.',
      lastName: 'Sukunimi.',
      fullName: 'Etu- ja sukunimi samassa sarakkeessa.',
      companyName: 'Yrityksen nimi (asiakastyyppi yritys).',
      businessId: 'Yrityksen Y-tunnus.',
      phone: 'Puhelinnumero, mieluiten maatunnuksen kanssa (+358…).',
      email: 'Sähköpostiosoite.',
      street: 'Katuosoite.',
      postalCode: 'Postinumero.',
      city: 'Postitoimipaikka.',
      country: 'Maakoodi kahdella kirjaimella (FI, SE, PL).',
      birthday: 'Syntymäpäivä: VVVV-KK-PP, PP.KK.VVVV tai PP/KK/VVVV.',
      notes: 'Vapaa teksti.',
      emailMarketing:
        'Onko asiakas antanut luvan sähköpostimarkkinointiin: kyllä tai ei. Tyhjä: ei kysytty.',
      smsMarketing:
        'Onko asiakas antanut luvan tekstiviestimarkkinointiin: kyllä tai ei. Tyhjä: ei kysytty.',
      createdAt: 'Milloin asiakas luotiin vanhaan järjestelmään.',
      plate: 'Ajoneuvon rekisterinumero.',
      vin: 'Ajoneuvon valmistenumero (17 merkkiä). Vapaaehtoinen.',
      make: 'Ajoneuvon merkki.',
      model: 'Ajoneuvon malli.',
      year: 'Vuosimalli. Vapaaehtoinen.',
    },
  },
  pl: {
    sheet: 'Klienci',
    guideSheet: 'Instrukcja',
    guideHeaders: ['Kolumna', 'Wymagana', 'Co wpisać', 'Przykład'],
    yes: 'tak',
    no: 'nie',
    requiredNote: 'Wymagana.',
    eitherName: 'Wymagana dla osoby; dla firmy wystarczy nazwa firmy.',
    vehicleRequired: 'Wymagana, gdy wiersz ma pojazd.',
    pick: 'Wybierz z listy',
    explanations: {
      customerNumber: 'Wasz numer klienta. Puste: kolejny wolny numer.',
      externalId: 'Identyfikator klienta w dotychczasowym systemie.',
      kind: 'osoba lub firma. Puste: osoba.',
      firstName: 'Imię.',
      lastName: 'Nazwisko.',
      fullName: 'Imię i nazwisko w jednej kolumnie.',
      companyName: 'Nazwa firmy (typ klienta firma).',
      businessId: 'NIP firmy.',
      phone: 'Numer telefonu, najlepiej z numerem kierunkowym kraju (+48…).',
      email: 'Adres e-mail.',
      street: 'Ulica i numer.',
      postalCode: 'Kod pocztowy.',
      city: 'Miejscowość.',
      country: 'Kod kraju, dwie litery (PL, DE, UA).',
      birthday: 'Data urodzenia: RRRR-MM-DD, DD.MM.RRRR lub DD/MM/RRRR.',
      notes: 'Dowolny tekst.',
      emailMarketing: 'Czy klient zgodził się na marketing e-mail: tak lub nie. Puste: nie pytano.',
      smsMarketing: 'Czy klient zgodził się na marketing SMS: tak lub nie. Puste: nie pytano.',
      createdAt: 'Kiedy klient został dodany w dotychczasowym systemie.',
      plate: 'Numer rejestracyjny pojazdu.',
      vin: 'Numer VIN pojazdu (17 znaków). Opcjonalny.',
      make: 'Marka pojazdu.',
      model: 'Model pojazdu.',
      year: 'Rok produkcji. Opcjonalny.',
    },
  },
  fr: {
    sheet: 'Clients',
    guideSheet: 'Mode d’emploi',
    guideHeaders: ['Colonne', 'Obligatoire', 'Que saisir', 'Exemple'],
    yes: 'oui',
    no: 'non',
    requiredNote: 'Obligatoire.',
    eitherName: 'Obligatoire pour un particulier ; pour une entreprise, la raison sociale suffit.',
    vehicleRequired: 'Obligatoire quand la ligne a un véhicule.',
    pick: 'Choisissez dans la liste',
    explanations: {
      customerNumber: 'Votre numéro de client. Vide : le prochain numéro libre.',
      externalId: 'L’identifiant du client dans l’ancien logiciel.',
      kind: 'particulier ou entreprise. Vide : particulier.',
      firstName: 'Prénom.',
      lastName: 'Nom de famille.',
      fullName: 'Prénom et nom dans une seule colonne.',
      companyName: 'Raison sociale (type de client entreprise).',
      businessId: 'Numéro SIRET de l’entreprise.',
      phone: 'Numéro de téléphone, de préférence avec l’indicatif du pays (+33…).',
      email: 'Adresse e-mail.',
      street: 'Adresse (rue et numéro).',
      postalCode: 'Code postal.',
      city: 'Ville.',
      country: 'Code du pays, deux lettres (FR, BE, CH).',
      birthday: 'Date de naissance : AAAA-MM-JJ, JJ.MM.AAAA ou JJ/MM/AAAA.',
      notes: 'Texte libre.',
      emailMarketing:
        'Le client accepte-t-il le marketing par e-mail : oui ou non. Vide : pas demandé.',
      smsMarketing: 'Le client accepte-t-il le marketing par SMS : oui ou non. Vide : pas demandé.',
      createdAt: 'Date de création du client dans l’ancien logiciel.',
      plate: 'Immatriculation du véhicule.',
      vin: 'Numéro VIN du véhicule (17 caractères). Facultatif.',
      make: 'Marque du véhicule.',
      model: 'Modèle du véhicule.',
      year: 'Année du modèle. Facultatif.',
    },
  },
  uk: {
    sheet: 'Клієнти',
    guideSheet: 'Інструкція',
    guideHeaders: ['Стовпець', 'Обовʼязковий', 'Що вписати', 'Приклад'],
    yes: 'так',
    no: 'ні',
    requiredNote: 'Обовʼязковий.',
    eitherName: 'Обовʼязковий для фізичної особи; для компанії достатньо назви компанії.',
    vehicleRequired: 'Обовʼязковий, якщо в рядку є авто.',
    pick: 'Виберіть зі списку',
    explanations: {
      customerNumber: 'Ваш номер клієнта. Порожньо: наступний вільний номер.',
      externalId: 'Ідентифікатор клієнта в попередній системі.',
      kind: 'фізична особа або компанія. Порожньо: фізична особа.',
      firstName: 'Імʼя.',
      lastName: 'Прізвище.',
      fullName: 'Прізвище та імʼя (ПІБ) в одному стовпці.',
      companyName: 'Назва компанії (тип клієнта компанія).',
      businessId: 'Код ЄДРПОУ компанії.',
      phone: 'Номер телефону, краще з кодом країни (+380…).',
      email: 'Адреса електронної пошти.',
      street: 'Вулиця та номер будинку.',
      postalCode: 'Поштовий індекс.',
      city: 'Місто.',
      country: 'Код країни, дві літери (UA, PL, FI).',
      birthday: 'Дата народження: РРРР-ММ-ДД, ДД.ММ.РРРР або ДД/ММ/РРРР.',
      notes: 'Довільний текст.',
      emailMarketing: 'Чи погодився клієнт на e-mail розсилку: так або ні. Порожньо: не питали.',
      smsMarketing: 'Чи погодився клієнт на SMS-розсилку: так або ні. Порожньо: не питали.',
      createdAt: 'Коли клієнта створено в попередній системі.',
      plate: 'Державний номер авто.',
      vin: 'VIN код авто (17 символів). Необовʼязковий.',
      make: 'Марка авто.',
      model: 'Модель авто.',
      year: 'Рік випуску. Необовʼязковий.',
    },
  },
};

/** Columns whose cells Excel must keep as typed: leading zeros, a leading +. */
const TEXT_FIELDS: ReadonlySet<ImportField> = new Set([
  'customerNumber',
  'phone',
  'postalCode',
  'businessId',
  'birthday',
]);

/** The header a template writes for a field: its label, and " *" when the column is required. */
export function templateHeader(locale: Locale, field: ImportField, required: boolean): string {
  return required ? `${FIELD_LABELS[locale][field]} *` : FIELD_LABELS[locale][field];
}

/**
 * The import template: sheet 1 has the headers in the locale (required ones bold, marked with
 * " *" and a note saying why), drop-downs where the values are fixed (customer type, the consent
 * columns) and text format where Excel would eat leading zeros; sheet 2 explains each column
 * with an example of obviously fictional data. Every header it writes is one
 * the header dictionary recognises (a spec reads each locale's back).
 */
export async function buildImportTemplate(locale: Locale, vehicles: boolean): Promise<Buffer> {
  const texts = TEXTS[locale];
  const fields = templateFields(vehicles);
  const required = templateRequiredFields(vehicles);
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Kanta';
  const sheet = workbook.addWorksheet(texts.sheet, { views: [{ state: 'frozen', ySplit: 1 }] });
  // No example row on this sheet: one left in would be imported as a customer.
  const values = FIXED_VALUE_LABELS[locale];
  const example = exampleRow(locale, fields);

  fields.forEach((field, i) => {
    const column = sheet.getColumn(i + 1);
    const isRequired = required.has(field);
    const header = templateHeader(locale, field, isRequired);
    column.width = Math.max(14, header.length + 4);
    if (TEXT_FIELDS.has(field)) column.numFmt = '@';
    const cell = sheet.getCell(1, i + 1);
    cell.value = header;
    cell.font = { bold: true };
    cell.fill = {
      type: 'pattern',
      pattern: 'solid',
      fgColor: { argb: isRequired ? 'FFFCE4D6' : 'FFE7E6E6' },
    };
    if (isRequired) cell.note = requiredNote(texts, field);
    const list =
      field === 'kind'
        ? [values.kind.person, values.kind.company]
        : field === 'emailMarketing' || field === 'smsMarketing'
          ? [values.consent.yes, values.consent.no]
          : null;
    if (list) {
      const letter = column.letter;
      rangeValidations(sheet).add(`${letter}2:${letter}${TEMPLATE_ROWS + 1}`, {
        type: 'list',
        allowBlank: true,
        formulae: [`"${list.join(',')}"`],
        showErrorMessage: true,
        errorTitle: FIELD_LABELS[locale][field],
        error: texts.pick,
      });
    }
  });

  const guide = workbook.addWorksheet(texts.guideSheet);
  guide.columns = [{ width: 28 }, { width: 14 }, { width: 70 }, { width: 30 }];
  const headerRow = guide.addRow(texts.guideHeaders);
  headerRow.font = { bold: true };
  fields.forEach((field, i) => {
    const row = guide.addRow([
      templateHeader(locale, field, required.has(field)),
      required.has(field) ? texts.yes : texts.no,
      required.has(field)
        ? `${texts.explanations[field]} ${requiredNote(texts, field)}`
        : texts.explanations[field],
      example[i],
    ]);
    row.alignment = { wrapText: true, vertical: 'top' };
  });

  return Buffer.from(await workbook.xlsx.writeBuffer());
}

function requiredNote(texts: TemplateTexts, field: ImportField): string {
  if (field === 'firstName' || field === 'lastName') return texts.eitherName;
  if (field === 'plate' || field === 'make' || field === 'model') return texts.vehicleRequired;
  return texts.requiredNote;
}

function exampleRow(locale: Locale, fields: ImportField[]): string[] {
  const words = FIXED_VALUE_LABELS[locale];
  return fields.map((field) => {
    if (field === 'kind') return words.kind.person;
    if (field === 'emailMarketing') return words.consent.yes;
    if (field === 'smsMarketing') return words.consent.no;
    return EXAMPLES[locale][field] ?? COMMON_EXAMPLES[field] ?? '';
  });
}

/**
 * exceljs keeps a sheet's validations by address and writes a range address as one `sqref`
 * (one rule for 5,000 cells instead of 5,000 rules), but its typings only declare the per-cell
 * `cell.dataValidation`.
 */
function rangeValidations(sheet: ExcelJS.Worksheet): {
  add(range: string, validation: ExcelJS.DataValidation): void;
} {
  return (
    sheet as unknown as {
      dataValidations: { add(range: string, validation: ExcelJS.DataValidation): void };
    }
  ).dataValidations;
}
