import type { Locale } from '@kanta/contracts';

/** One text in every locale a tenant may have. */
export type Localised = Record<Locale, string>;

/** `'fi|pl|fr|uk|en'`, the order of LOCALES, as a Localised. */
function l(texts: string): Localised {
  const [fi, pl, fr, uk, en] = texts.split('|');
  return { fi, pl, fr, uk, en };
}

/**
 * The data.xlsx sheets' names (Excel allows 31 characters) and the headers of their columns,
 * by field name (the same name as in data.json), in the tenant's locale. A field without a label
 * here is headed by its name.
 */
export const SHEET_NAMES = {
  customer: l('Asiakaskortti|Karta klienta|Fiche client|Картка клієнта|Customer card'),
  reminders: l('Muistutukset|Przypomnienia|Rappels|Нагадування|Reminders'),
  marketingConsents: l(
    'Markkinointiluvat|Zgody marketingowe|Consentements marketing|Маркетингові згоди|Marketing consents',
  ),
  vehicles: l('Ajoneuvot|Pojazdy|Véhicules|Транспортні засоби|Vehicles'),
  visits: l('Käynnit|Wizyty|Visites|Візити|Visits'),
  sales: l('Myynnit|Sprzedaż|Ventes|Продажі|Sales'),
  saleLines: l('Myyntirivit|Pozycje sprzedaży|Lignes de vente|Рядки продажів|Sale lines'),
  consentHistory: l(
    'Suostumushistoria|Historia zgód|Historique des consentements|Історія згод|Consent history',
  ),
  consentTexts: l('Suostumustekstit|Treści zgód|Textes de consentement|Тексти згод|Consent texts'),
  preferences: l(
    'Viestintäasetukset|Preferencje komunikacji|Préférences de communication|Налаштування зв’язку|Communication preferences',
  ),
  accessLog: l('Käyttöloki|Dziennik dostępu|Journal des accès|Журнал доступу|Access log'),
  merges: l('Yhdistämiset|Scalenia|Fusions|Об’єднання|Merges'),
} satisfies Record<string, Localised>;

/** The two columns of a sheet of one record (the card, the preferences). */
export const FIELD_HEADER = l('Kenttä|Pole|Champ|Поле|Field');
export const VALUE_HEADER = l('Arvo|Wartość|Valeur|Значення|Value');

export const FIELD_LABELS: Record<string, Localised> = {
  id: l('Tunniste|Identyfikator|Identifiant|Ідентифікатор|Id'),
  kind: l('Tyyppi|Rodzaj|Type|Тип|Kind'),
  firstName: l('Etunimi|Imię|Prénom|Ім’я|First name'),
  lastName: l('Sukunimi|Nazwisko|Nom|Прізвище|Last name'),
  companyName: l('Yrityksen nimi|Nazwa firmy|Raison sociale|Назва компанії|Company name'),
  businessId: l('Y-tunnus|NIP|SIREN|Код ЄДРПОУ|Business id'),
  phone: l('Puhelin|Telefon|Téléphone|Телефон|Phone'),
  phoneRaw: l(
    'Puhelin syötettynä|Telefon jak wpisano|Téléphone saisi|Телефон як введено|Phone as entered',
  ),
  email: l('Sähköposti|E-mail|E-mail|Електронна пошта|E-mail'),
  addresses: l('Osoitteet|Adresy|Adresses|Адреси|Addresses'),
  notes: l('Muistiinpanot|Notatki|Notes|Нотатки|Notes'),
  status: l('Tila|Status|Statut|Статус|Status'),
  mergedInto: l('Yhdistetty asiakkaaseen|Scalono z|Fusionné dans|Об’єднано з|Merged into'),
  erasedAt: l('Pyyhitty|Usunięto|Effacé le|Видалено|Erased at'),
  deletionRequest: l(
    'Poistopyyntö|Żądanie usunięcia|Demande de suppression|Запит на видалення|Deletion request',
  ),
  customerNumber: l('Asiakasnumero|Numer klienta|Numéro client|Номер клієнта|Customer number'),
  stationIds: l('Toimipisteet|Placówki|Sites|Філії|Stations'),
  origin: l('Alkuperä|Pochodzenie|Origine|Походження|Origin'),
  externalIds: l(
    'Ulkoiset tunnisteet|Identyfikatory zewnętrzne|Identifiants externes|Зовнішні ідентифікатори|External ids',
  ),
  description: l('Kuvaus|Opis|Description|Опис|Description'),
  groupIds: l('Ryhmät|Grupy|Groupes|Групи|Groups'),
  sourceId: l('Lähde|Źródło|Source|Джерело|Source'),
  regularOfUserId: l(
    'Vakioasiakas käyttäjälle|Stały klient użytkownika|Client habituel de|Постійний клієнт користувача|Regular of user',
  ),
  discountPercent: l('Alennus %|Rabat %|Remise %|Знижка %|Discount %'),
  nameDay: l('Nimipäivä|Imieniny|Fête|Іменини|Name day'),
  birthday: l('Syntymäpäivä|Data urodzenia|Date de naissance|Дата народження|Birthday'),
  documents: l(
    'Henkilöllisyystodistukset|Dokumenty tożsamości|Pièces d’identité|Документи|Identity documents',
  ),
  internal: l('Sisäinen|Wewnętrzny|Interne|Внутрішній|Internal'),
  leasingCompany: l(
    'Leasingyhtiö|Firma leasingowa|Société de leasing|Лізингова компанія|Leasing company',
  ),
  leasingCompanyId: l(
    'Leasingyhtiön tunniste|Id firmy leasingowej|Id société de leasing|Id лізингової компанії|Leasing company id',
  ),
  sensitiveMasked: l(
    'Arkaluonteiset peitetty|Dane wrażliwe ukryte|Données sensibles masquées|Чутливі дані приховано|Sensitive masked',
  ),
  createdAt: l('Luotu|Utworzono|Créé le|Створено|Created at'),
  updatedAt: l('Päivitetty|Zaktualizowano|Modifié le|Оновлено|Updated at'),
  version: l('Versio|Wersja|Version|Версія|Version'),
  customerId: l('Asiakas|Klient|Client|Клієнт|Customer'),
  assigneeUserId: l('Vastuuhenkilö|Osoba przypisana|Assigné à|Відповідальний|Assignee'),
  dueAt: l('Eräpäivä|Termin|Échéance|Термін|Due at'),
  dueAtLocal: l(
    'Eräpäivä (paikallinen)|Termin (lokalny)|Échéance (locale)|Термін (місцевий)|Due at (local)',
  ),
  timeZone: l('Aikavyöhyke|Strefa czasowa|Fuseau horaire|Часовий пояс|Time zone'),
  comment: l('Kommentti|Komentarz|Commentaire|Коментар|Comment'),
  createdBy: l('Luonut|Utworzył|Créé par|Створив|Created by'),
  becameDueAt: l('Erääntyi|Stało się wymagalne|Échu le|Настав термін|Became due at'),
  doneAt: l('Tehty|Wykonano|Fait le|Виконано|Done at'),
  purpose: l('Käyttötarkoitus|Cel|Finalité|Мета|Purpose'),
  granted: l('Annettu|Udzielona|Accordé|Надано|Granted'),
  registration: l('Rekisterinumero|Numer rejestracyjny|Immatriculation|Номерний знак|Registration'),
  registrationNormalized: l(
    'Rekisterinumero (haku)|Numer rejestracyjny (wyszukiwanie)|Immatriculation (recherche)|Номерний знак (пошук)|Registration (search)',
  ),
  make: l('Merkki|Marka|Marque|Марка|Make'),
  model: l('Malli|Model|Modèle|Модель|Model'),
  year: l('Vuosimalli|Rok|Année|Рік|Year'),
  vin: l('Valmistenumero|VIN|VIN|VIN|VIN'),
  lastSeenAt: l('Viimeksi nähty|Ostatnio widziany|Vu le|Востаннє бачено|Last seen at'),
  customers: l('Asiakkaat|Klienci|Clients|Клієнти|Customers'),
  stationId: l('Toimipiste|Placówka|Site|Філія|Station'),
  vehicleId: l('Ajoneuvo|Pojazd|Véhicule|Транспортний засіб|Vehicle'),
  scheduledAt: l('Aika|Termin wizyty|Prévu le|Запланована дата|Scheduled at'),
  channel: l('Kanava|Kanał|Canal|Канал|Channel'),
  staffUserId: l('Työntekijä|Pracownik|Employé|Працівник|Staff'),
  cancelReason: l(
    'Peruutuksen syy|Powód anulowania|Motif d’annulation|Причина скасування|Cancel reason',
  ),
  specialRequests: l(
    'Erityistoiveet|Specjalne życzenia|Demandes particulières|Особливі побажання|Special requests',
  ),
  prepaid: l('Ennakkomaksu|Przedpłata|Prépayé|Передоплата|Prepaid'),
  partnerLink: l('Kumppanilinkki|Link partnera|Lien partenaire|Посилання партнера|Partner link'),
  externalId: l(
    'Ulkoinen tunniste|Identyfikator zewnętrzny|Identifiant externe|Зовнішній ідентифікатор|External id',
  ),
  source: l('Lähde|Źródło|Source|Джерело|Source'),
  visitId: l('Käynti|Wizyta|Visite|Візит|Visit'),
  receiptNumber: l('Kuittinumero|Numer paragonu|Numéro de reçu|Номер чека|Receipt number'),
  receiptUrl: l('Kuitin osoite|Adres paragonu|Adresse du reçu|Посилання на чек|Receipt URL'),
  soldAt: l('Myyty|Data sprzedaży|Vendu le|Продано|Sold at'),
  currency: l('Valuutta|Waluta|Devise|Валюта|Currency'),
  totalMinor: l(
    'Yhteensä (senteissä)|Razem (w groszach)|Total (en centimes)|Разом (у копійках)|Total (minor units)',
  ),
  lines: l('Rivit|Pozycje|Lignes|Рядки|Lines'),
  saleId: l('Myynti|Sprzedaż|Vente|Продаж|Sale'),
  name: l('Nimi|Nazwa|Nom|Назва|Name'),
  quantity: l('Määrä|Ilość|Quantité|Кількість|Quantity'),
  unitPriceMinor: l(
    'Yksikköhinta (senteissä)|Cena jednostkowa (w groszach)|Prix unitaire (en centimes)|Ціна за одиницю (у копійках)|Unit price (minor units)',
  ),
  vatRate: l('ALV %|Stawka VAT %|Taux de TVA %|Ставка ПДВ %|VAT rate %'),
  decision: l('Päätös|Decyzja|Décision|Рішення|Decision'),
  textId: l('Teksti|Treść|Texte|Текст|Text'),
  textVersion: l('Tekstin versio|Wersja treści|Version du texte|Версія тексту|Text version'),
  textLocale: l('Tekstin kieli|Język treści|Langue du texte|Мова тексту|Text language'),
  recordedBy: l('Kirjaaja|Zarejestrował|Enregistré par|Записав|Recorded by'),
  recordedAt: l('Kirjattu|Zarejestrowano|Enregistré le|Записано|Recorded at'),
  evidence: l('Todiste|Dowód|Preuve|Доказ|Evidence'),
  outdated: l('Vanhentunut|Nieaktualna|Obsolète|Застаріле|Outdated'),
  locale: l('Kieli|Język|Langue|Мова|Language'),
  title: l('Otsikko|Tytuł|Titre|Заголовок|Title'),
  body: l('Sisältö|Treść|Contenu|Зміст|Content'),
  contentHash: l('Sisällön tiiviste|Skrót treści|Empreinte du contenu|Хеш змісту|Content hash'),
  publishedAt: l('Julkaistu|Opublikowano|Publié le|Опубліковано|Published at'),
  publishedBy: l('Julkaisija|Opublikował|Publié par|Опублікував|Published by'),
  superseded: l('Korvattu|Zastąpiona|Remplacé|Замінено|Superseded'),
  blocked: l('Estetty|Zablokowane|Bloqué|Заблоковано|Blocked'),
  preferredChannel: l(
    'Ensisijainen kanava|Preferowany kanał|Canal préféré|Бажаний канал|Preferred channel',
  ),
  serviceNotifications: l(
    'Palveluilmoitukset|Powiadomienia serwisowe|Notifications de service|Сервісні сповіщення|Service notifications',
  ),
  at: l('Aika|Czas|Date|Час|At'),
  action: l('Toiminto|Działanie|Action|Дія|Action'),
  userId: l('Käyttäjä|Użytkownik|Utilisateur|Користувач|User'),
  role: l('Rooli|Rola|Rôle|Роль|Role'),
  customerIds: l('Asiakkaat|Klienci|Clients|Клієнти|Customers'),
  survivorId: l('Säilynyt asiakas|Klient zachowany|Client conservé|Збережений клієнт|Survivor'),
  duplicateId: l('Kaksoiskappale|Duplikat|Doublon|Дублікат|Duplicate'),
  requestedBy: l('Pyytäjä|Zlecił|Demandé par|Запитав|Requested by'),
  requestedAt: l('Pyydetty|Zlecono|Demandé le|Запитано|Requested at'),
  completedAt: l('Valmis|Zakończono|Terminé le|Завершено|Completed at'),
  undoableUntil: l(
    'Peruttavissa asti|Można cofnąć do|Annulable jusqu’au|Можна скасувати до|Undoable until',
  ),
  conflicts: l('Ristiriidat|Konflikty|Conflits|Конфлікти|Conflicts'),
  confirmations: l('Vahvistukset|Potwierdzenia|Confirmations|Підтвердження|Confirmations'),
  undo: l('Peruutus|Cofnięcie|Annulation|Скасування|Undo'),
  correlationId: l(
    'Pyynnön tunniste|Identyfikator żądania|Identifiant de requête|Ідентифікатор запиту|Request id',
  ),
};

export function fieldLabel(field: string, locale: Locale): string {
  return FIELD_LABELS[field]?.[locale] ?? field;
}
