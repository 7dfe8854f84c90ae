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
