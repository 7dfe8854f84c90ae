import type { Locale } from '@kanta/contracts';
import { FIELD_LABELS, isImportField } from './import-fields';

/** Why a whole file is refused (an `ImportFileProblem`). */
export const IMPORT_FILE_PROBLEM_CODES = [
  'import-file-empty',
  'import-file-too-large',
  'import-header-only',
  'import-file-unreadable',
  'import-xls-unsupported',
  'import-duplicate-headers',
  'import-too-many-columns',
  'import-field-mapped-twice',
  'import-mapping-field-unknown',
  'import-encoding-unknown',
  'import-required-column-missing',
  'import-row-too-long',
] as const;

/** What is wrong with one row or one cell (an `ImportFileRow`'s problems). */
export const IMPORT_ROW_PROBLEM_CODES = [
  'import-csv-broken-quote',
  'import-row-too-many-cells',
  'import-cell-too-long',
  'import-formula-no-result',
  'import-cell-error',
] as const;

/** What the import tells about the file without refusing it (its `warnings`). */
export const IMPORT_WARNING_CODES = [
  'import-column-unknown',
  'import-column-ambiguous',
  'import-column-ignored',
  'import-mapping-header-unknown',
  'import-encoding-detected',
] as const;

export type ImportFileProblemCode = (typeof IMPORT_FILE_PROBLEM_CODES)[number];
export type ImportRowProblemCode = (typeof IMPORT_ROW_PROBLEM_CODES)[number];
export type ImportWarningCode = (typeof IMPORT_WARNING_CODES)[number];
export type ImportMessageCode = ImportFileProblemCode | ImportRowProblemCode | ImportWarningCode;

export type ImportMessageParams = Record<string, string | number>;

type Catalogue = Record<ImportMessageCode, string>;

const MESSAGES: Record<Locale, Catalogue> = {
  en: {
    'import-file-empty': 'The file is empty.',
    'import-file-too-large': 'The file is larger than the limit of {maxBytes} bytes.',
    'import-header-only': 'The file has a header row but no rows of data.',
    'import-file-unreadable':
      'The file is not a CSV or XLSX file that can be read. Save it as XLSX or CSV and upload it again.',
    'import-xls-unsupported':
      'Old Excel files (.xls) are not supported. Open the file in Excel or LibreOffice, save it as XLSX (or CSV) and upload it again.',
    'import-duplicate-headers':
      'The column "{header}" appears more than once (columns {first} and {second}). Give each column its own header.',
    'import-too-many-columns': 'The file has {columns} columns; at most {max} are allowed.',
    'import-field-mapped-twice':
      'Both "{first}" and "{second}" are read as {field}. Map one of them to another field or ignore it.',
    'import-mapping-field-unknown':
      'The mapping of "{header}" names "{value}", which is not a field of the import.',
    'import-encoding-unknown':
      'The encoding "{encoding}" is not supported. Use one of: {supported}.',
    'import-required-column-missing': 'The file needs a column for: {fields}.',
    'import-row-too-long':
      'Row {row} is longer than {max} characters; the file cannot be read past it.',
    'import-csv-broken-quote':
      'The quotes of this row are broken (a quoted value is not closed, or text follows its closing quote); the row was skipped.',
    'import-row-too-many-cells': 'The row has {cells} values but the header has {columns} columns.',
    'import-cell-too-long': 'The value is {length} characters long; at most {max} are allowed.',
    'import-formula-no-result':
      'The cell holds a formula without a saved result. Open the file in Excel, save it and upload it again, or type the value.',
    'import-cell-error': 'The cell holds the error {error}.',
    'import-column-unknown':
      'The column "{header}" (column {column}) is not recognised and is ignored.',
    'import-column-ambiguous':
      'The column "{header}" could mean {fields}: map it to one of them, or it is ignored.',
    'import-column-ignored': 'The column "{header}" is ignored, as the mapping asks.',
    'import-mapping-header-unknown':
      'The mapping names the column "{header}", which the file does not have.',
    'import-encoding-detected':
      'The file is not UTF-8; it was read as {encoding}. If letters look wrong, upload it again with the right encoding.',
  },
  fi: {
    'import-file-empty': 'Tiedosto on tyhjä.',
    'import-file-too-large': 'Tiedosto on suurempi kuin sallittu {maxBytes} tavua.',
    'import-header-only': 'Tiedostossa on otsikkorivi mutta ei yhtään tietoriviä.',
    'import-file-unreadable':
      'Tiedostoa ei voi lukea CSV- tai XLSX-tiedostona. Tallenna se XLSX- tai CSV-muodossa ja lataa uudelleen.',
    'import-xls-unsupported':
      'Vanhoja Excel-tiedostoja (.xls) ei tueta. Avaa tiedosto Excelissä tai LibreOfficessa, tallenna se XLSX- (tai CSV-) muodossa ja lataa uudelleen.',
    'import-duplicate-headers':
      'Sarake "{header}" on tiedostossa useammin kuin kerran (sarakkeet {first} ja {second}). Anna jokaiselle sarakkeelle oma otsikko.',
    'import-too-many-columns': 'Tiedostossa on {columns} saraketta; enintään {max} on sallittu.',
    'import-field-mapped-twice':
      'Sekä "{first}" että "{second}" luetaan kenttään {field}. Kohdista toinen niistä muuhun kenttään tai ohita se.',
    'import-mapping-field-unknown':
      'Sarakkeen "{header}" kohdistus "{value}" ei ole tuonnin kenttä.',
    'import-encoding-unknown':
      'Merkistöä "{encoding}" ei tueta. Käytä jotakin näistä: {supported}.',
    'import-required-column-missing': 'Tiedostosta puuttuu sarake: {fields}.',
    'import-row-too-long':
      'Rivi {row} on pidempi kuin {max} merkkiä; tiedostoa ei voi lukea sen jälkeen.',
    'import-csv-broken-quote':
      'Rivin lainausmerkit ovat rikki (lainausmerkeissä olevaa arvoa ei ole suljettu tai lopettavan lainausmerkin perässä on tekstiä); rivi ohitettiin.',
    'import-row-too-many-cells':
      'Rivillä on {cells} arvoa, mutta otsikkorivillä {columns} saraketta.',
    'import-cell-too-long': 'Arvo on {length} merkkiä pitkä; enintään {max} on sallittu.',
    'import-formula-no-result':
      'Solussa on kaava ilman tallennettua tulosta. Avaa tiedosto Excelissä, tallenna ja lataa uudelleen, tai kirjoita arvo soluun.',
    'import-cell-error': 'Solussa on virhe {error}.',
    'import-column-unknown':
      'Saraketta "{header}" (sarake {column}) ei tunnistettu, ja se ohitetaan.',
    'import-column-ambiguous':
      'Sarake "{header}" voi tarkoittaa kenttiä {fields}: kohdista se yhteen niistä, muuten se ohitetaan.',
    'import-column-ignored': 'Sarake "{header}" ohitetaan kohdistuksen mukaisesti.',
    'import-mapping-header-unknown':
      'Kohdistuksessa mainittua saraketta "{header}" ei ole tiedostossa.',
    'import-encoding-detected':
      'Tiedosto ei ole UTF-8-muodossa; se luettiin merkistöllä {encoding}. Jos kirjaimet näyttävät väärältä, lataa tiedosto uudelleen oikealla merkistöllä.',
  },
  pl: {
    'import-file-empty': 'Plik jest pusty.',
    'import-file-too-large': 'Plik przekracza limit {maxBytes} bajtów.',
    'import-header-only': 'Plik ma wiersz nagłówka, ale nie ma wierszy z danymi.',
    'import-file-unreadable':
      'Nie można odczytać pliku jako CSV ani XLSX. Zapisz go jako XLSX lub CSV i prześlij ponownie.',
    'import-xls-unsupported':
      'Stare pliki Excela (.xls) nie są obsługiwane. Otwórz plik w Excelu lub LibreOffice, zapisz go jako XLSX (lub CSV) i prześlij ponownie.',
    'import-duplicate-headers':
      'Kolumna „{header}” występuje więcej niż raz (kolumny {first} i {second}). Nadaj każdej kolumnie własny nagłówek.',
    'import-too-many-columns': 'Plik ma {columns} kolumn; dozwolone jest najwyżej {max}.',
    'import-field-mapped-twice':
      'Zarówno „{first}”, jak i „{second}” są odczytywane jako {field}. Przypisz jedną z nich do innego pola lub ją pomiń.',
    'import-mapping-field-unknown':
      'Przypisanie kolumny „{header}” wskazuje „{value}”, które nie jest polem importu.',
    'import-encoding-unknown':
      'Kodowanie „{encoding}” nie jest obsługiwane. Użyj jednego z: {supported}.',
    'import-required-column-missing': 'W pliku brakuje kolumny: {fields}.',
    'import-row-too-long':
      'Wiersz {row} ma ponad {max} znaków; dalszej części pliku nie można odczytać.',
    'import-csv-broken-quote':
      'Cudzysłowy w tym wierszu są błędne (wartość w cudzysłowie nie jest zamknięta albo po zamykającym cudzysłowie jest tekst); wiersz pominięto.',
    'import-row-too-many-cells': 'Wiersz ma {cells} wartości, a nagłówek {columns} kolumn.',
    'import-cell-too-long': 'Wartość ma {length} znaków; dozwolone jest najwyżej {max}.',
    'import-formula-no-result':
      'Komórka zawiera formułę bez zapisanego wyniku. Otwórz plik w Excelu, zapisz go i prześlij ponownie albo wpisz wartość.',
    'import-cell-error': 'Komórka zawiera błąd {error}.',
    'import-column-unknown':
      'Kolumna „{header}” (kolumna {column}) nie została rozpoznana i zostanie pominięta.',
    'import-column-ambiguous':
      'Kolumna „{header}” może oznaczać {fields}: przypisz ją do jednego z tych pól, inaczej zostanie pominięta.',
    'import-column-ignored': 'Kolumna „{header}” zostanie pominięta zgodnie z przypisaniem.',
    'import-mapping-header-unknown':
      'Przypisanie wskazuje kolumnę „{header}”, której nie ma w pliku.',
    'import-encoding-detected':
      'Plik nie jest w UTF-8; odczytano go jako {encoding}. Jeśli litery wyglądają źle, prześlij go ponownie z właściwym kodowaniem.',
  },
  fr: {
    'import-file-empty': 'Le fichier est vide.',
    'import-file-too-large': 'Le fichier dépasse la limite de {maxBytes} octets.',
    'import-header-only': "Le fichier a une ligne d'en-tête mais aucune ligne de données.",
    'import-file-unreadable':
      "Le fichier n'est pas un fichier CSV ou XLSX lisible. Enregistrez-le en XLSX ou en CSV et envoyez-le à nouveau.",
    'import-xls-unsupported':
      'Les anciens fichiers Excel (.xls) ne sont pas pris en charge. Ouvrez le fichier dans Excel ou LibreOffice, enregistrez-le en XLSX (ou CSV) et envoyez-le à nouveau.',
    'import-duplicate-headers':
      'La colonne « {header} » apparaît plusieurs fois (colonnes {first} et {second}). Donnez à chaque colonne son propre en-tête.',
    'import-too-many-columns': 'Le fichier a {columns} colonnes ; {max} au plus sont autorisées.',
    'import-field-mapped-twice':
      '« {first} » et « {second} » sont tous deux lus comme {field}. Associez l’une des deux à un autre champ ou ignorez-la.',
    'import-mapping-field-unknown':
      "L'association de « {header} » indique « {value} », qui n'est pas un champ de l'import.",
    'import-encoding-unknown':
      "L'encodage « {encoding} » n'est pas pris en charge. Utilisez l'un de : {supported}.",
    'import-required-column-missing': 'Il manque au fichier une colonne pour : {fields}.',
    'import-row-too-long':
      'La ligne {row} dépasse {max} caractères ; la suite du fichier ne peut pas être lue.',
    'import-csv-broken-quote':
      "Les guillemets de cette ligne sont incorrects (une valeur entre guillemets n'est pas fermée, ou du texte suit le guillemet fermant) ; la ligne a été ignorée.",
    'import-row-too-many-cells': "La ligne a {cells} valeurs mais l'en-tête a {columns} colonnes.",
    'import-cell-too-long': 'La valeur fait {length} caractères ; {max} au plus sont autorisés.',
    'import-formula-no-result':
      'La cellule contient une formule sans résultat enregistré. Ouvrez le fichier dans Excel, enregistrez-le et envoyez-le à nouveau, ou saisissez la valeur.',
    'import-cell-error': "La cellule contient l'erreur {error}.",
    'import-column-unknown':
      "La colonne « {header} » (colonne {column}) n'est pas reconnue et sera ignorée.",
    'import-column-ambiguous':
      'La colonne « {header} » peut désigner {fields} : associez-la à l’un de ces champs, sinon elle sera ignorée.',
    'import-column-ignored': 'La colonne « {header} » est ignorée, comme le demande l’association.',
    'import-mapping-header-unknown':
      "L'association indique la colonne « {header} », que le fichier n'a pas.",
    'import-encoding-detected':
      "Le fichier n'est pas en UTF-8 ; il a été lu en {encoding}. Si des lettres sont incorrectes, envoyez-le à nouveau avec le bon encodage.",
  },
  uk: {
    'import-file-empty': 'Файл порожній.',
    'import-file-too-large': 'Файл перевищує ліміт {maxBytes} байтів.',
    'import-header-only': 'У файлі є рядок заголовків, але немає рядків з даними.',
    'import-file-unreadable':
      'Файл не вдається прочитати як CSV або XLSX. Збережіть його у форматі XLSX або CSV і завантажте знову.',
    'import-xls-unsupported':
      'Старі файли Excel (.xls) не підтримуються. Відкрийте файл в Excel або LibreOffice, збережіть у форматі XLSX (або CSV) і завантажте знову.',
    'import-duplicate-headers':
      'Стовпець «{header}» трапляється більше одного разу (стовпці {first} і {second}). Дайте кожному стовпцю власний заголовок.',
    'import-too-many-columns': 'У файлі {columns} стовпців; дозволено не більше {max}.',
    'import-field-mapped-twice':
      'І «{first}», і «{second}» читаються як {field}. Призначте один з них іншому полю або пропустіть його.',
    'import-mapping-field-unknown':
      'Відповідність стовпця «{header}» вказує «{value}», що не є полем імпорту.',
    'import-encoding-unknown':
      'Кодування «{encoding}» не підтримується. Використайте одне з: {supported}.',
    'import-required-column-missing': 'У файлі бракує стовпця: {fields}.',
    'import-row-too-long': 'Рядок {row} довший за {max} символів; далі файл прочитати неможливо.',
    'import-csv-broken-quote':
      'Лапки в цьому рядку зламані (значення в лапках не закрите або після закривальної лапки є текст); рядок пропущено.',
    'import-row-too-many-cells': 'У рядку {cells} значень, а в заголовку {columns} стовпців.',
    'import-cell-too-long': 'Значення має {length} символів; дозволено не більше {max}.',
    'import-formula-no-result':
      'Клітинка містить формулу без збереженого результату. Відкрийте файл в Excel, збережіть і завантажте знову або введіть значення.',
    'import-cell-error': 'Клітинка містить помилку {error}.',
    'import-column-unknown':
      'Стовпець «{header}» (стовпець {column}) не розпізнано, його буде пропущено.',
    'import-column-ambiguous':
      'Стовпець «{header}» може означати {fields}: призначте його одному з цих полів, інакше його буде пропущено.',
    'import-column-ignored': 'Стовпець «{header}» пропускається, як вказано у відповідності.',
    'import-mapping-header-unknown':
      'Відповідність вказує стовпець «{header}», якого немає у файлі.',
    'import-encoding-detected':
      'Файл не в UTF-8; його прочитано як {encoding}. Якщо літери виглядають неправильно, завантажте файл знову з правильним кодуванням.',
  },
};

/** Params that hold field names (one, or a list joined by ", "): shown as the locale's headers. */
const FIELD_PARAMS = new Set(['field', 'fields']);

/**
 * The sentence a person reads for a code, in their locale, with its params put in: `{name}`
 * placeholders; a `field`/`fields` param of field names is shown as the template's headers of
 * the locale (`phone` → "Puhelin"). A placeholder without its param stays visible as `{name}`
 * rather than vanishing.
 */
export function importMessage(
  code: ImportMessageCode,
  locale: Locale,
  params: ImportMessageParams = {},
): string {
  const template = (MESSAGES[locale] ?? MESSAGES.en)[code];
  return template.replace(/\{(\w+)\}/g, (placeholder, name: string) => {
    const value = params[name];
    if (value === undefined) return placeholder;
    if (FIELD_PARAMS.has(name) && typeof value === 'string') {
      return value
        .split(/,\s*/)
        .map((field) => (isImportField(field) ? `"${FIELD_LABELS[locale][field]}"` : field))
        .join(', ');
    }
    return typeof value === 'number' ? value.toLocaleString(localeTag(locale)) : value;
  });
}

const localeTag = (locale: Locale): string => (locale === 'uk' ? 'uk-UA' : locale);

export const isImportMessageCode = (code: string): code is ImportMessageCode =>
  Object.hasOwn(MESSAGES.en, code);
