import type { Locale, ReportType } from '@kanta/contracts';

/** A text in each locale. */
type Localised = Record<Locale, string>;

/** The headers of the registry report's columns. */
export const REGISTRY_HEADERS = {
  id: { fi: 'Tunniste', pl: 'Identyfikator', fr: 'Identifiant', uk: 'Ідентифікатор', en: 'Id' },
  number: {
    fi: 'Asiakasnumero',
    pl: 'Numer klienta',
    fr: 'Numéro client',
    uk: 'Номер клієнта',
    en: 'Customer number',
  },
  name: { fi: 'Nimi', pl: 'Nazwa', fr: 'Nom', uk: 'Ім’я', en: 'Name' },
  phone: { fi: 'Puhelin', pl: 'Telefon', fr: 'Téléphone', uk: 'Телефон', en: 'Phone' },
  address: { fi: 'Osoite', pl: 'Adres', fr: 'Adresse', uk: 'Адреса', en: 'Address' },
  postalCode: {
    fi: 'Postinumero',
    pl: 'Kod pocztowy',
    fr: 'Code postal',
    uk: 'Поштовий індекс',
    en: 'Postal code',
  },
  city: { fi: 'Postitoimipaikka', pl: 'Miejscowość', fr: 'Ville', uk: 'Місто', en: 'City' },
  notes: { fi: 'Muistiinpanot', pl: 'Notatki', fr: 'Notes', uk: 'Нотатки', en: 'Notes' },
  marketing: {
    fi: 'Markkinointiluvat',
    pl: 'Zgody marketingowe',
    fr: 'Consentements marketing',
    uk: 'Маркетингові згоди',
    en: 'Marketing consents',
  },
  createdAt: { fi: 'Luotu', pl: 'Utworzono', fr: 'Créé le', uk: 'Створено', en: 'Created at' },
  plate: {
    fi: 'Rekisterinumero',
    pl: 'Numer rejestracyjny',
    fr: 'Immatriculation',
    uk: 'Номерний знак',
    en: 'Plate',
  },
  vin: { fi: 'VIN', pl: 'VIN', fr: 'VIN', uk: 'VIN', en: 'VIN' },
  role: { fi: 'Rooli', pl: 'Rola', fr: 'Rôle', uk: 'Роль', en: 'Role' },
} satisfies Record<string, Localised>;

/** The owner / proxy role of a customer's vehicle. */
export const VEHICLE_ROLES: Record<string, Localised> = {
  owner: { fi: 'Omistaja', pl: 'Właściciel', fr: 'Propriétaire', uk: 'Власник', en: 'Owner' },
  proxy: {
    fi: 'Valtuutettu',
    pl: 'Pełnomocnik',
    fr: 'Mandataire',
    uk: 'Довірена особа',
    en: 'Proxy',
  },
};

export const REGISTRY_SHEETS = {
  customers: { fi: 'Asiakkaat', pl: 'Klienci', fr: 'Clients', uk: 'Клієнти', en: 'Customers' },
  vehicles: { fi: 'Ajoneuvot', pl: 'Pojazdy', fr: 'Véhicules', uk: 'Транспорт', en: 'Vehicles' },
} satisfies Record<string, Localised>;

/** The headers the customers and online-bookings-pending reports add to the registry's. */
export const VISIT_HEADERS = {
  email: { fi: 'Sähköposti', pl: 'E-mail', fr: 'E-mail', uk: 'Ел. пошта', en: 'E-mail' },
  lastVisit: {
    fi: 'Viimeisin käynti',
    pl: 'Ostatnia wizyta',
    fr: 'Dernière visite',
    uk: 'Останній візит',
    en: 'Last visit',
  },
  station: { fi: 'Asema', pl: 'Stacja', fr: 'Station', uk: 'Станція', en: 'Station' },
  visitCount: {
    fi: 'Käyntejä',
    pl: 'Liczba wizyt',
    fr: 'Nombre de visites',
    uk: 'Кількість візитів',
    en: 'Visits',
  },
  bookingDate: {
    fi: 'Varauksen päivä',
    pl: 'Data rezerwacji',
    fr: 'Date de réservation',
    uk: 'Дата бронювання',
    en: 'Booking date',
  },
} satisfies Record<string, Localised>;

export const CUSTOMERS_REPORT_SHEETS = {
  visited: {
    fi: 'Käyneet asiakkaat',
    pl: 'Klienci z wizytą',
    fr: 'Clients venus',
    uk: 'Клієнти з візитами',
    en: 'Customers with visits',
  },
  added: {
    fi: 'Lisätyt asiakkaat',
    pl: 'Dodani klienci',
    fr: 'Clients ajoutés',
    uk: 'Додані клієнти',
    en: 'Customers added',
  },
} satisfies Record<string, Localised>;

export const ONLINE_BOOKINGS_SHEET: Localised = {
  fi: 'Varanneet',
  pl: 'Rezerwacje online',
  fr: 'Réservations en ligne',
  uk: 'Онлайн-бронювання',
  en: 'Online bookings',
};

/** The file's name without date and extension, by report type. */
const FILE_STEMS: Record<ReportType, Localised> = {
  registry: {
    fi: 'asiakasrekisteri',
    pl: 'rejestr-klientow',
    fr: 'registre-clients',
    uk: 'реєстр-клієнтів',
    en: 'customer-registry',
  },
  customers: {
    fi: 'asiakasraportti',
    pl: 'raport-klientow',
    fr: 'rapport-clients',
    uk: 'звіт-клієнтів',
    en: 'customer-report',
  },
  'online-bookings-pending': {
    fi: 'varanneet',
    pl: 'oczekujace-rezerwacje',
    fr: 'reservations-en-attente',
    uk: 'очікувані-бронювання',
    en: 'pending-online-bookings',
  },
  'marketing-audience': {
    fi: 'markkinointiyleisö',
    pl: 'odbiorcy-marketingu',
    fr: 'audience-marketing',
    uk: 'маркетингова-аудиторія',
    en: 'marketing-audience',
  },
  'visits-summary': {
    fi: 'käyntiyhteenveto',
    pl: 'podsumowanie-wizyt',
    fr: 'synthese-visites',
    uk: 'підсумок-візитів',
    en: 'visits-summary',
  },
};

/** `asiakasrekisteri-2026-12-07.xlsx`: the type in the report's language and its date. */
export function reportFileName(
  type: ReportType,
  locale: Locale,
  date: string,
  format: string,
): string {
  return `${FILE_STEMS[type][locale]}-${date}.${format}`;
}

/** The marketing-audience report's headers (the name is REGISTRY_HEADERS'). */
export const AUDIENCE_HEADERS = {
  email: { fi: 'Sähköposti', pl: 'E-mail', fr: 'E-mail', uk: 'Ел. пошта', en: 'E-mail' },
  preferredChannel: {
    fi: 'Ensisijainen kanava',
    pl: 'Preferowany kanał',
    fr: 'Canal préféré',
    uk: 'Бажаний канал',
    en: 'Preferred channel',
  },
  emailConsent: {
    fi: 'Sähköpostimarkkinointi',
    pl: 'Marketing e-mail',
    fr: 'Marketing par e-mail',
    uk: 'Маркетинг ел. поштою',
    en: 'E-mail marketing',
  },
  smsConsent: {
    fi: 'Tekstiviestimarkkinointi',
    pl: 'Marketing SMS',
    fr: 'Marketing par SMS',
    uk: 'SMS-маркетинг',
    en: 'SMS marketing',
  },
  emailText: {
    fi: 'Sähköpostiluvan tekstin versio',
    pl: 'Wersja treści zgody e-mail',
    fr: 'Version du texte (e-mail)',
    uk: 'Версія тексту згоди (ел. пошта)',
    en: 'E-mail consent text version',
  },
  smsText: {
    fi: 'Tekstiviestiluvan tekstin versio',
    pl: 'Wersja treści zgody SMS',
    fr: 'Version du texte (SMS)',
    uk: 'Версія тексту згоди (SMS)',
    en: 'SMS consent text version',
  },
  purpose: { fi: 'Käyttötarkoitus', pl: 'Cel', fr: 'Finalité', uk: 'Мета', en: 'Purpose' },
  decision: { fi: 'Päätös', pl: 'Decyzja', fr: 'Décision', uk: 'Рішення', en: 'Decision' },
  textVersion: {
    fi: 'Tekstin versio',
    pl: 'Wersja treści',
    fr: 'Version du texte',
    uk: 'Версія тексту',
    en: 'Text version',
  },
  textId: {
    fi: 'Tekstin tunniste',
    pl: 'Identyfikator treści',
    fr: 'Identifiant du texte',
    uk: 'Ідентифікатор тексту',
    en: 'Text id',
  },
  customers: { fi: 'Asiakkaita', pl: 'Klientów', fr: 'Clients', uk: 'Клієнтів', en: 'Customers' },
} satisfies Record<string, Localised>;

export const AUDIENCE_SHEETS = {
  audience: { fi: 'Yleisö', pl: 'Odbiorcy', fr: 'Audience', uk: 'Аудиторія', en: 'Audience' },
  texts: {
    fi: 'Lupatekstit',
    pl: 'Treści zgód',
    fr: 'Textes de consentement',
    uk: 'Тексти згод',
    en: 'Consent texts',
  },
} satisfies Record<string, Localised>;

/** A marketing decision as the audience prints it. */
export const CONSENT_DECISION_LABELS: Record<string, Localised> = {
  granted: { fi: 'Annettu', pl: 'Udzielona', fr: 'Accordé', uk: 'Надано', en: 'Granted' },
  withdrawn: { fi: 'Peruttu', pl: 'Wycofana', fr: 'Retiré', uk: 'Відкликано', en: 'Withdrawn' },
};

/** A preferred channel as the audience prints it. */
export const CHANNEL_LABELS: Record<string, Localised> = {
  email: { fi: 'Sähköposti', pl: 'E-mail', fr: 'E-mail', uk: 'Ел. пошта', en: 'E-mail' },
  sms: { fi: 'Tekstiviesti', pl: 'SMS', fr: 'SMS', uk: 'SMS', en: 'SMS' },
  phone: { fi: 'Puhelin', pl: 'Telefon', fr: 'Téléphone', uk: 'Телефон', en: 'Phone' },
  none: { fi: 'Ei mikään', pl: 'Brak', fr: 'Aucun', uk: 'Жоден', en: 'None' },
};

/** The visits-summary report's headers. */
export const SUMMARY_HEADERS = {
  station: { fi: 'Toimipiste', pl: 'Stacja', fr: 'Station', uk: 'Станція', en: 'Station' },
  period: {
    fi: 'Jakso alkaen',
    pl: 'Początek okresu',
    fr: 'Début de période',
    uk: 'Початок періоду',
    en: 'Period from',
  },
  visits: { fi: 'Käynnit', pl: 'Wizyty', fr: 'Visites', uk: 'Візити', en: 'Visits' },
  completed: {
    fi: 'Toteutuneet',
    pl: 'Zrealizowane',
    fr: 'Effectuées',
    uk: 'Завершені',
    en: 'Completed',
  },
  cancelled: { fi: 'Peruutetut', pl: 'Odwołane', fr: 'Annulées', uk: 'Скасовані', en: 'Cancelled' },
  noShows: {
    fi: 'Saapumatta jääneet',
    pl: 'Nieobecności',
    fr: 'Absences',
    uk: 'Неявки',
    en: 'No-shows',
  },
  services: { fi: 'Palvelut', pl: 'Usługi', fr: 'Prestations', uk: 'Послуги', en: 'Services' },
  products: { fi: 'Tuotteet', pl: 'Produkty', fr: 'Produits', uk: 'Товари', en: 'Products' },
  total: {
    fi: 'Myynti yhteensä',
    pl: 'Sprzedaż razem',
    fr: 'Ventes totales',
    uk: 'Продажі разом',
    en: 'Sales total',
  },
  sales: { fi: 'Myynnit', pl: 'Sprzedaże', fr: 'Ventes', uk: 'Продажі', en: 'Sales' },
} satisfies Record<string, Localised>;

export const SUMMARY_SHEETS = {
  summary: { fi: 'Yhteenveto', pl: 'Podsumowanie', fr: 'Synthèse', uk: 'Підсумок', en: 'Summary' },
} satisfies Record<string, Localised>;
