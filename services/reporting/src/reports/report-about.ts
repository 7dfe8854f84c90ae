import type { CatchUpShortfall, Locale, OutboxMarkSource } from '@kanta/contracts';
import type { FileAbout, ReportFormat } from '@kanta/reports';
import type { ReportJobRecord } from './report-jobs.repository';

/** A text in each locale. */
type Localised = Record<Locale, string>;

const SHEET: Localised = {
  fi: 'Tiedot',
  pl: 'Informacje',
  fr: 'À propos',
  uk: 'Відомості',
  en: 'About',
};

const HEADERS: Record<'label' | 'time' | 'note', Localised> = {
  label: { fi: 'Tieto', pl: 'Pozycja', fr: 'Élément', uk: 'Пункт', en: 'Item' },
  time: { fi: 'Aika', pl: 'Czas', fr: 'Heure', uk: 'Час', en: 'Time' },
  note: { fi: 'Huomautus', pl: 'Uwagi', fr: 'Remarque', uk: 'Примітка', en: 'Note' },
};

const LABELS: Record<'requested' | 'freshness' | 'caughtUp', Localised> = {
  requested: {
    fi: 'Raportti pyydetty',
    pl: 'Raport zamówiony',
    fr: 'Rapport demandé',
    uk: 'Звіт замовлено',
    en: 'Report requested',
  },
  freshness: {
    fi: 'Tiedot ajan tasalla (viimeisin käsitelty muutos)',
    pl: 'Dane aktualne na (ostatnie przetworzone zdarzenie)',
    fr: 'Données à jour au (dernier événement appliqué)',
    uk: 'Дані актуальні на (остання застосована подія)',
    en: 'Data up to (last change applied)',
  },
  caughtUp: {
    fi: 'Sisältää kaikki ennen pyyntöä tallennetut muutokset',
    pl: 'Zawiera wszystkie zmiany zapisane przed zamówieniem',
    fr: 'Inclut toutes les modifications enregistrées avant la demande',
    uk: 'Містить усі зміни, збережені до запиту',
    en: 'Includes every change saved before the request',
  },
};

const YES_NO: Record<'yes' | 'no', Localised> = {
  yes: { fi: 'kyllä', pl: 'tak', fr: 'oui', uk: 'так', en: 'yes' },
  no: { fi: 'ei', pl: 'nie', fr: 'non', uk: 'ні', en: 'no' },
};

const BEHIND: Localised = {
  fi: 'Ei ajan tasalla: {source} (muutokset käsitelty asti)',
  pl: 'Nieaktualne: {source} (zmiany przetworzone do)',
  fr: 'Pas à jour : {source} (modifications appliquées jusqu’au)',
  uk: 'Не актуально: {source} (зміни застосовано до)',
  en: 'Not caught up: {source} (changes applied until)',
};

const SOURCES: Record<OutboxMarkSource, Localised> = {
  customers: { fi: 'asiakkaat', pl: 'klienci', fr: 'clients', uk: 'клієнти', en: 'customers' },
  vehicles: {
    fi: 'ajoneuvot ja käynnit',
    pl: 'pojazdy i wizyty',
    fr: 'véhicules et visites',
    uk: 'транспорт і візити',
    en: 'vehicles and visits',
  },
  consents: { fi: 'suostumukset', pl: 'zgody', fr: 'consentements', uk: 'згоди', en: 'consents' },
  privacy: {
    fi: 'tietosuoja',
    pl: 'prywatność',
    fr: 'confidentialité',
    uk: 'конфіденційність',
    en: 'privacy',
  },
};

const SHORTFALLS: Record<CatchUpShortfall, Localised> = {
  'no-answer': {
    fi: 'palvelu ei vastannut',
    pl: 'usługa nie odpowiedziała',
    fr: 'le service n’a pas répondu',
    uk: 'служба не відповіла',
    en: 'the service did not answer',
  },
  'not-arrived': {
    fi: 'kaikki muutokset eivät olleet vielä perillä',
    pl: 'nie wszystkie zmiany jeszcze dotarły',
    fr: 'toutes ses modifications n’étaient pas encore arrivées',
    uk: 'ще не всі зміни надійшли',
    en: 'not all its changes had arrived yet',
  },
};

/**
 * What a report file says about itself (README, "Catching up"): when it was asked for, how fresh
 * its data is, whether it caught up with every change saved before, and each source it may lack
 * with the time its changes were applied until. In the report's language; times in its zone.
 */
export function reportAbout(job: ReportJobRecord): FileAbout {
  const l = job.locale;
  const behind = job.catchUp?.behind ?? [];
  return {
    sheetName: SHEET[l],
    headers: [HEADERS.label[l], HEADERS.time[l], HEADERS.note[l]],
    rows: [
      [LABELS.requested[l], job.requestedAt, null],
      [LABELS.freshness[l], job.freshness, null],
      [LABELS.caughtUp[l], null, YES_NO[behind.length === 0 ? 'yes' : 'no'][l]],
      ...behind.map(
        (source) =>
          [
            BEHIND[l].replace('{source}', SOURCES[source.source][l]),
            source.appliedUntil === null ? null : new Date(source.appliedUntil),
            SHORTFALLS[source.reason][l],
          ] as const,
      ),
    ],
  };
}

/** The writers' format of a report's file: its language, time zone and what it says about itself. */
export function reportFileFormat(job: ReportJobRecord): ReportFormat {
  return { locale: job.locale, timeZone: job.timeZone, about: reportAbout(job) };
}
