import type { Locale } from '@kanta/contracts';
import { FIELD_LABELS, isImportField } from './import-fields';

/**
 * The API's reasons for refusing a field (libs/platform validation, the card's and the tenant's
 * field rules, the vehicles rules), as a sentence in the import's locale naming the column by
 * the locale's header — so a row's error reads the same language as the rest of the import. A
 * reason not listed keeps the API's own (English) sentence.
 */
const REASONS = {
  required: {
    en: '{field} is required.',
    fi: '{field} on pakollinen.',
    pl: '{field} jest wymagane.',
    fr: '{field} est obligatoire.',
    uk: '{field} — обов’язкове поле.',
  },
  required_one_of: {
    en: '{field}: one of the name columns must be filled in.',
    fi: '{field}: jokin nimisarakkeista on täytettävä.',
    pl: '{field}: jedna z kolumn nazwy musi być wypełniona.',
    fr: '{field} : l’une des colonnes de nom doit être remplie.',
    uk: '{field}: потрібно заповнити одну з колонок імені.',
  },
  too_long: {
    en: '{field} is too long.',
    fi: '{field} on liian pitkä.',
    pl: '{field} jest za długie.',
    fr: '{field} est trop long.',
    uk: '{field} — задовге значення.',
  },
  too_short: {
    en: '{field} is too short.',
    fi: '{field} on liian lyhyt.',
    pl: '{field} jest za krótkie.',
    fr: '{field} est trop court.',
    uk: '{field} — закоротке значення.',
  },
  invalid_format: {
    en: '{field} is not in a valid format.',
    fi: '{field} ei ole oikeassa muodossa.',
    pl: '{field} ma nieprawidłowy format.',
    fr: '{field} n’est pas dans un format valide.',
    uk: '{field} має неправильний формат.',
  },
  invalid_phone: {
    en: '{field} is not a phone number that can be dialled.',
    fi: '{field} ei ole soitettava puhelinnumero.',
    pl: '{field} nie jest prawidłowym numerem telefonu.',
    fr: '{field} n’est pas un numéro de téléphone valide.',
    uk: '{field} не є правильним номером телефону.',
  },
  invalid_date: {
    en: '{field} is not a date (use 2024-05-17, 17.05.2024 or 17/05/2024).',
    fi: '{field} ei ole päivämäärä (käytä muotoa 17.05.2024, 2024-05-17 tai 17/05/2024).',
    pl: '{field} nie jest datą (użyj 17.05.2024, 2024-05-17 lub 17/05/2024).',
    fr: '{field} n’est pas une date (utilisez 17/05/2024, 17.05.2024 ou 2024-05-17).',
    uk: '{field} не є датою (використовуйте 17.05.2024, 2024-05-17 або 17/05/2024).',
  },
  in_the_future: {
    en: '{field} is in the future.',
    fi: '{field} on tulevaisuudessa.',
    pl: '{field} jest w przyszłości.',
    fr: '{field} est dans le futur.',
    uk: '{field} у майбутньому.',
  },
  invalid_consent: {
    en: '{field} must be yes or no (or empty: no decision).',
    fi: '{field} on oltava kyllä tai ei (tai tyhjä: ei päätöstä).',
    pl: '{field} musi być tak lub nie (albo puste: brak decyzji).',
    fr: '{field} doit être oui ou non (ou vide : pas de décision).',
    uk: '{field} має бути так або ні (або порожнє: без рішення).',
  },
  not_allowed: {
    en: '{field} has a value that is not allowed.',
    fi: '{field}: arvo ei ole sallittu.',
    pl: '{field}: ta wartość jest niedozwolona.',
    fr: '{field} : cette valeur n’est pas autorisée.',
    uk: '{field}: це значення не дозволене.',
  },
  invalid_type: {
    en: '{field} has a value of the wrong kind.',
    fi: '{field}: arvo on väärää tyyppiä.',
    pl: '{field}: wartość ma niewłaściwy typ.',
    fr: '{field} : la valeur n’est pas du bon type.',
    uk: '{field}: значення неправильного типу.',
  },
  out_of_range: {
    en: '{field} is out of range.',
    fi: '{field} on sallitun alueen ulkopuolella.',
    pl: '{field} jest poza dozwolonym zakresem.',
    fr: '{field} est hors des limites.',
    uk: '{field} поза допустимими межами.',
  },
  control_character: {
    en: '{field} contains control characters.',
    fi: '{field} sisältää ohjausmerkkejä.',
    pl: '{field} zawiera znaki sterujące.',
    fr: '{field} contient des caractères de contrôle.',
    uk: '{field} містить керівні символи.',
  },
  taken: {
    en: '{field} is already used by another customer.',
    fi: '{field} on jo toisen asiakkaan käytössä.',
    pl: '{field} jest już używane przez innego klienta.',
    fr: '{field} est déjà utilisé par un autre client.',
    uk: '{field} вже використовується іншим клієнтом.',
  },
} as const satisfies Record<string, Record<Locale, string>>;

export type ImportFieldReason = keyof typeof REASONS;

export const isImportFieldReason = (reason: string): reason is ImportFieldReason =>
  Object.hasOwn(REASONS, reason);

/**
 * The sentence for a field refused for `reason`, in `locale`, the column named by its header in
 * the locale (a path the import has no column for is named as it is); null for a reason with no
 * sentence here (the caller keeps the API's own).
 */
export function importFieldMessage(reason: string, field: string, locale: Locale): string | null {
  if (!isImportFieldReason(reason)) return null;
  const label = isImportField(field) ? FIELD_LABELS[locale][field] : field;
  const template: string = REASONS[reason][locale];
  return template.replace('{field}', `"${label}"`);
}
