import type { Locale } from '@kanta/contracts';

/** What a column of an import file can hold: the customer's fields, then the vehicle's. */
export const CUSTOMER_IMPORT_FIELDS = [
  'customerNumber',
  'externalId',
  'kind',
  'firstName',
  'lastName',
  'fullName',
  'companyName',
  'businessId',
  'phone',
  'email',
  'street',
  'postalCode',
  'city',
  'country',
  'birthday',
  'notes',
  'emailMarketing',
  'smsMarketing',
  'createdAt',
] as const;

export const VEHICLE_IMPORT_FIELDS = ['plate', 'vin', 'make', 'model', 'year'] as const;

export const IMPORT_FIELDS = [...CUSTOMER_IMPORT_FIELDS, ...VEHICLE_IMPORT_FIELDS] as const;

export type CustomerImportField = (typeof CUSTOMER_IMPORT_FIELDS)[number];
export type VehicleImportField = (typeof VEHICLE_IMPORT_FIELDS)[number];
export type ImportField = (typeof IMPORT_FIELDS)[number];

const FIELD_SET: ReadonlySet<string> = new Set(IMPORT_FIELDS);

export const isImportField = (value: unknown): value is ImportField =>
  typeof value === 'string' && FIELD_SET.has(value);

export const isVehicleField = (field: ImportField): field is VehicleImportField =>
  (VEHICLE_IMPORT_FIELDS as readonly string[]).includes(field);

/**
 * A header as it is compared: lower case, accents and every character that is not a letter or
 * a digit removed (`E-mail *` → `email`, `Prénom` → `prenom`, `Імʼя` → `імя`). Ł has no
 * decomposition and is folded by hand, the Ukrainian apostrophe (U+02BC) is a letter to
 * Unicode and is removed by hand.
 */
export function foldHeader(header: string): string {
  return header
    .normalize('NFKD')
    .toLowerCase()
    .replace(/\p{M}/gu, '')
    .replace(/ł/g, 'l')
    .replace(/ß/g, 'ss')
    .replace(/[^\p{L}\p{N}]|\u02bc/gu, '');
}

/**
 * Each field's header in the template of each locale: the first way to write it, what
 * `buildImportTemplate` writes and what messages call the field.
 */
export const FIELD_LABELS: Record<Locale, Record<ImportField, string>> = {
  en: {
    customerNumber: 'Customer number',
    externalId: 'External ID',
    kind: 'Customer type',
    firstName: 'First name',
    lastName: 'Last name',
    fullName: 'Full name',
    companyName: 'Company name',
    businessId: 'Business ID',
    phone: 'Phone',
    email: 'E-mail',
    street: 'Street address',
    postalCode: 'Postal code',
    city: 'City',
    country: 'Country',
    birthday: 'Date of birth',
    notes: 'Notes',
    emailMarketing: 'E-mail marketing',
    smsMarketing: 'SMS marketing',
    createdAt: 'Created at',
    plate: 'Registration plate',
    vin: 'VIN',
    make: 'Make',
    model: 'Model',
    year: 'Year',
  },
  fi: {
    customerNumber: 'Asiakasnumero',
    externalId: 'Ulkoinen tunnus',
    kind: 'Asiakastyyppi',
    firstName: 'Etunimi',
    lastName: 'Sukunimi',
    fullName: 'Koko nimi',
    companyName: 'Yrityksen nimi',
    businessId: 'Y-tunnus',
    phone: 'Puhelin',
    email: 'Sähköposti',
    street: 'Katuosoite',
    postalCode: 'Postinumero',
    city: 'Postitoimipaikka',
    country: 'Maa',
    birthday: 'Syntymäpäivä',
    notes: 'Lisätiedot',
    emailMarketing: 'Sähköpostimarkkinointi',
    smsMarketing: 'Tekstiviestimarkkinointi',
    createdAt: 'Luotu',
    plate: 'Rekisterinumero',
    vin: 'Valmistenumero (VIN)',
    make: 'Merkki',
    model: 'Malli',
    year: 'Vuosimalli',
  },
  pl: {
    customerNumber: 'Numer klienta',
    externalId: 'Identyfikator zewnętrzny',
    kind: 'Typ klienta',
    firstName: 'Imię',
    lastName: 'Nazwisko',
    fullName: 'Imię i nazwisko',
    companyName: 'Nazwa firmy',
    businessId: 'NIP',
    phone: 'Telefon',
    email: 'Adres e-mail',
    street: 'Ulica i numer',
    postalCode: 'Kod pocztowy',
    city: 'Miejscowość',
    country: 'Kraj',
    birthday: 'Data urodzenia',
    notes: 'Uwagi',
    emailMarketing: 'Zgoda na marketing e-mail',
    smsMarketing: 'Zgoda na marketing SMS',
    createdAt: 'Data utworzenia',
    plate: 'Numer rejestracyjny',
    vin: 'Numer VIN',
    make: 'Marka',
    model: 'Model',
    year: 'Rok produkcji',
  },
  fr: {
    customerNumber: 'Numéro client',
    externalId: 'Identifiant externe',
    kind: 'Type de client',
    firstName: 'Prénom',
    lastName: 'Nom',
    fullName: 'Nom complet',
    companyName: 'Raison sociale',
    businessId: 'SIRET',
    phone: 'Téléphone',
    email: 'E-mail',
    street: 'Adresse',
    postalCode: 'Code postal',
    city: 'Ville',
    country: 'Pays',
    birthday: 'Date de naissance',
    notes: 'Remarques',
    emailMarketing: 'Marketing par e-mail',
    smsMarketing: 'Marketing par SMS',
    createdAt: 'Date de création',
    plate: 'Immatriculation',
    vin: 'Numéro VIN',
    make: 'Marque',
    model: 'Modèle',
    year: 'Année',
  },
  uk: {
    customerNumber: 'Номер клієнта',
    externalId: 'Зовнішній ідентифікатор',
    kind: 'Тип клієнта',
    firstName: 'Імʼя',
    lastName: 'Прізвище',
    fullName: 'ПІБ',
    companyName: 'Назва компанії',
    businessId: 'Код ЄДРПОУ',
    phone: 'Телефон',
    email: 'Електронна пошта',
    street: 'Адреса',
    postalCode: 'Поштовий індекс',
    city: 'Місто',
    country: 'Країна',
    birthday: 'Дата народження',
    notes: 'Примітки',
    emailMarketing: 'Згода на e-mail розсилку',
    smsMarketing: 'Згода на SMS-розсилку',
    createdAt: 'Дата створення',
    plate: 'Державний номер',
    vin: 'VIN код',
    make: 'Марка',
    model: 'Модель',
    year: 'Рік випуску',
  },
};

/**
 * Other ways each field is written, in the five languages and in the exports customers bring:
 * Timma's CSV export (its help page: "nimi, puhelinnumero, osoite, postinumero, lisätiedot,
 * markkinointiluvat, perustamisajankohta ja ID", in Finnish and as the English UI names them),
 * FixIQ's Excel template ("ПІБ власника, марка та модель авто, державний номер … VIN код та рік
 * авто") and the customer pages of Zarezerwujtermin and Claire. Compared folded.
 */
const HEADER_SYNONYMS: Record<ImportField, readonly string[]> = {
  customerNumber: [
    'Customer no',
    'Client number',
    'Asiakasnro',
    'Asiakas nro',
    'Nr klienta',
    'N° client',
    'Numéro de client',
    'Номер картки клієнта',
  ],
  externalId: [
    'ID',
    'Id',
    'External id',
    'Tunniste',
    'Identyfikator',
    'Identifiant',
    'Ідентифікатор',
  ],
  kind: ['Type', 'Kind', 'Customer kind', 'Tyyppi', 'Rodzaj klienta', 'Typ', 'Тип'],
  firstName: [
    'First name',
    'Firstname',
    'Given name',
    'Forename',
    'Etunimet',
    "Ім'я",
    'Імя',
    'Имя',
  ],
  lastName: ['Surname', 'Family name', 'Lastname', 'Nom de famille', 'Призвище'],
  fullName: [
    'Name',
    'Customer name',
    'Customer',
    'Owner',
    'Owner name',
    'Nimi',
    'Asiakkaan nimi',
    'Asiakas',
    'Imię nazwisko',
    'Klient',
    'Nom et prénom',
    'Prénom et nom',
    'Prénom nom',
    'Client',
    'ПІБ власника',
    'Прізвище імʼя по батькові',
    'Повне імʼя',
    'Власник',
    'Клієнт',
  ],
  companyName: [
    'Company',
    'Business name',
    'Organisation',
    'Organization',
    'Yritys',
    'Toiminimi',
    'Firma',
    'Nazwa',
    'Société',
    'Entreprise',
    'Nom de la société',
    'Компанія',
    'Організація',
  ],
  businessId: [
    'VAT number',
    'VAT ID',
    'Company ID',
    'Ytunnus',
    'Numer NIP',
    'SIREN',
    'N° SIRET',
    'ЄДРПОУ',
  ],
  phone: [
    'Phone number',
    'Mobile',
    'Mobile phone',
    'Telephone',
    'Tel',
    'Cell',
    'Puhelinnumero',
    'Matkapuhelin',
    'Puh',
    'GSM',
    'Numer telefonu',
    'Telefon komórkowy',
    'Komórka',
    'Portable',
    'Tél',
    'Numéro de téléphone',
    'Номер телефону',
    'Мобільний',
    'Мобільний телефон',
  ],
  email: [
    'Email',
    'Email address',
    'E-mail address',
    'Mail',
    'Sähköpostiosoite',
    'Sposti',
    'Adresse e-mail',
    'Courriel',
    'Adresse électronique',
    'Mél',
    'Ел. пошта',
    'Електронна адреса',
  ],
  street: [
    'Street',
    'Address',
    'Address line 1',
    'Osoite',
    'Lähiosoite',
    'Ulica',
    'Adres',
    'Rue',
    'Вулиця',
  ],
  postalCode: [
    'Postcode',
    'Post code',
    'Zip',
    'Zip code',
    'Postinro',
    'Code postal',
    'CP',
    'Індекс',
  ],
  city: [
    'Town',
    'Post town',
    'Kaupunki',
    'Paikkakunta',
    'Miasto',
    'Poczta',
    'Localité',
    'Commune',
    'Населений пункт',
  ],
  country: [],
  birthday: [
    'Birthday',
    'Birth date',
    'DOB',
    'Syntymäaika',
    'Data urodzin',
    'Urodziny',
    'Anniversaire',
    'День народження',
  ],
  notes: [
    'Note',
    'Comments',
    'Comment',
    'Remarks',
    'Additional information',
    'Muistiinpanot',
    'Huomiot',
    'Kommentit',
    'Notatki',
    'Opis',
    'Komentarz',
    'Notes',
    'Commentaire',
    'Commentaires',
    'Observations',
    'Нотатки',
    'Коментар',
    'Коментарі',
  ],
  emailMarketing: [
    'Email marketing',
    'Email marketing consent',
    'Marketing by e-mail',
    'Sähköpostimarkkinointilupa',
    'Markkinointilupa sähköposti',
    'Marketing e-mail',
    'Consentement e-mail',
    'Email-розсилка',
  ],
  smsMarketing: [
    'SMS marketing consent',
    'Marketing by SMS',
    'SMS-markkinointi',
    'Tekstiviestimarkkinointilupa',
    'Markkinointilupa SMS',
    'Marketing SMS',
    'Consentement SMS',
    'SMS-розсилка',
  ],
  createdAt: [
    'Created',
    'Date created',
    'Customer since',
    'Perustamisajankohta',
    'Luontipäivä',
    'Asiakas alkaen',
    'Data dodania',
    'Klient od',
    'Client depuis',
    'Créé le',
    'Створено',
    'Клієнт з',
  ],
  plate: [
    'Licence plate',
    'License plate',
    'Plate',
    'Registration',
    'Registration number',
    'Reg no',
    'Rekisteritunnus',
    'Rek nro',
    'Nr rejestracyjny',
    'Rejestracja',
    "Plaque d'immatriculation",
    "Numéro d'immatriculation",
    'Держ номер',
    'Номерний знак',
    'Номер авто',
  ],
  vin: [
    'VIN code',
    'Chassis number',
    'VIN-koodi',
    'Alustanumero',
    'Numer nadwozia',
    'Numéro de châssis',
    'VIN-код',
  ],
  make: ['Brand', 'Manufacturer', 'Car make', 'Automerkki', 'Marka pojazdu', 'Марка авто'],
  model: ['Car model', 'Model pojazdu', 'Модель авто'],
  year: [
    'Model year',
    'Year of manufacture',
    'Valmistusvuosi',
    'Vuosi',
    'Rocznik',
    'Rok',
    'Année modèle',
    'Рік',
    'Рік авто',
  ],
};

/**
 * Headers that name a thing Kanta keeps in two fields: recognised so the import can say which
 * fields to map them to, never mapped silently. Timma's export has one "markkinointiluvat"
 * (marketing permissions) column for every channel.
 */
const AMBIGUOUS_HEADERS: Record<string, readonly ImportField[]> = Object.fromEntries(
  [
    'Markkinointiluvat',
    'Markkinointilupa',
    'Marketing consents',
    'Marketing permissions',
    'Marketing',
    'Zgody marketingowe',
    'Consentements marketing',
    'Згоди на розсилку',
  ].map((header) => [foldHeader(header), ['emailMarketing', 'smsMarketing'] as const]),
);

function buildDictionary(): ReadonlyMap<string, ImportField> {
  const dictionary = new Map<string, ImportField>();
  const add = (header: string, field: ImportField): void => {
    const folded = foldHeader(header);
    const known = dictionary.get(folded);
    // A header two fields claim would be a guess: the spec of this file checks there is none.
    if (known !== undefined && known !== field) {
      throw new Error(`the header "${header}" is claimed by ${known} and ${field}`);
    }
    dictionary.set(folded, field);
  };
  for (const labels of Object.values(FIELD_LABELS)) {
    for (const field of IMPORT_FIELDS) add(labels[field], field);
  }
  for (const field of IMPORT_FIELDS)
    for (const header of HEADER_SYNONYMS[field]) add(header, field);
  return dictionary;
}

const DICTIONARY = buildDictionary();

/** The field a header names, in any of the five languages or a known export's wording. */
export function fieldOfHeader(header: string): ImportField | null {
  return DICTIONARY.get(foldHeader(header)) ?? null;
}

/** The fields a header could mean when it names more than one (Timma's marketing consents). */
export function ambiguousFieldsOfHeader(header: string): readonly ImportField[] | null {
  return AMBIGUOUS_HEADERS[foldHeader(header)] ?? null;
}

/** Fields whose cells take one of a few values: the template gives them a drop-down. */
export const FIXED_VALUE_FIELDS = ['kind', 'emailMarketing', 'smsMarketing'] as const;
export type FixedValueField = (typeof FIXED_VALUE_FIELDS)[number];
export type CustomerKindValue = 'person' | 'company';
export type ConsentValue = 'yes' | 'no';

/** The words the template's drop-downs offer, per locale: first the canonical value's. */
export const FIXED_VALUE_LABELS: Record<
  Locale,
  { kind: Record<CustomerKindValue, string>; consent: Record<ConsentValue, string> }
> = {
  en: { kind: { person: 'person', company: 'company' }, consent: { yes: 'yes', no: 'no' } },
  fi: { kind: { person: 'henkilö', company: 'yritys' }, consent: { yes: 'kyllä', no: 'ei' } },
  pl: { kind: { person: 'osoba', company: 'firma' }, consent: { yes: 'tak', no: 'nie' } },
  fr: {
    kind: { person: 'particulier', company: 'entreprise' },
    consent: { yes: 'oui', no: 'non' },
  },
  uk: {
    kind: { person: 'фізична особа', company: 'компанія' },
    consent: { yes: 'так', no: 'ні' },
  },
};

const LOCALES_OF_LABELS = Object.keys(FIXED_VALUE_LABELS) as Locale[];
const KIND_WORDS = new Map<string, CustomerKindValue>([
  ...LOCALES_OF_LABELS.flatMap((locale) =>
    (['person', 'company'] as const).map(
      (kind) => [foldHeader(FIXED_VALUE_LABELS[locale].kind[kind]), kind] as const,
    ),
  ),
  ['private', 'person'],
  ['individual', 'person'],
  ['yksityinen', 'person'],
  ['yksityishenkilo', 'person'],
  ['osobafizyczna', 'person'],
  ['business', 'company'],
  ['organisation', 'company'],
  ['organization', 'company'],
  ['societe', 'company'],
  ['фоп', 'company'],
]);
const CONSENT_WORDS = new Map<string, ConsentValue>([
  ...LOCALES_OF_LABELS.flatMap((locale) =>
    (['yes', 'no'] as const).map(
      (answer) => [foldHeader(FIXED_VALUE_LABELS[locale].consent[answer]), answer] as const,
    ),
  ),
  ['1', 'yes'],
  ['0', 'no'],
  ['true', 'yes'],
  ['false', 'no'],
  ['x', 'yes'],
  ['k', 'yes'],
  ['y', 'yes'],
  ['n', 'no'],
]);

/**
 * The canonical value of a fixed-value cell in any locale's words (`kyllä`, `tak`, `так`, `x`,
 * `1` → `yes`; `yritys` → `company`): null for an empty cell (no decision), undefined for a
 * word it does not know (an error on the row, never a guess).
 */
export function fixedValueOf(
  field: 'kind',
  text: string | undefined,
): CustomerKindValue | null | undefined;
export function fixedValueOf(
  field: 'emailMarketing' | 'smsMarketing',
  text: string | undefined,
): ConsentValue | null | undefined;
export function fixedValueOf(
  field: FixedValueField,
  text: string | undefined,
): CustomerKindValue | ConsentValue | null | undefined {
  if (text === undefined || text.trim() === '') return null;
  const folded = foldHeader(text);
  return field === 'kind' ? KIND_WORDS.get(folded) : CONSENT_WORDS.get(folded);
}

/**
 * Which name fields a row needs: first and last name, or a full name, or a company name. With a
 * vehicle (FixIQ's rule) the owner's name, the plate, the make and the model; VIN and year are
 * optional. Used on the columns (a file that cannot carry a required field is refused) and on
 * each row's values.
 */
export function missingRequiredFields(present: (field: ImportField) => boolean): ImportField[] {
  const missing: ImportField[] = [];
  const named =
    (present('firstName') && present('lastName')) || present('fullName') || present('companyName');
  if (!named) {
    if (present('firstName') || present('lastName')) {
      missing.push(present('firstName') ? 'lastName' : 'firstName');
    } else {
      missing.push('fullName');
    }
  }
  if (VEHICLE_IMPORT_FIELDS.some(present)) {
    for (const field of ['plate', 'make', 'model'] as const) {
      if (!present(field)) missing.push(field);
    }
  }
  return missing;
}

/** The columns a template marks required: with vehicles, FixIQ's required ones too. */
export function templateRequiredFields(vehicles: boolean): ReadonlySet<ImportField> {
  return new Set<ImportField>(
    vehicles ? ['firstName', 'lastName', 'plate', 'make', 'model'] : ['firstName', 'lastName'],
  );
}

/**
 * Fields the template has no column for: the external id and the register's creation date are
 * other systems' (their exports carry them), and the full name is the first and last name.
 */
const NOT_IN_TEMPLATE: ReadonlySet<ImportField> = new Set(['externalId', 'fullName', 'createdAt']);

/** The columns of the template, in order: every field but NOT_IN_TEMPLATE's. */
export function templateFields(vehicles: boolean): ImportField[] {
  const fields: readonly ImportField[] = vehicles ? IMPORT_FIELDS : CUSTOMER_IMPORT_FIELDS;
  return fields.filter((field) => !NOT_IN_TEMPLATE.has(field));
}
