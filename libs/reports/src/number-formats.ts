import type { Locale } from '@kanta/contracts';

/** Excel number formats of a locale (the format codes' `.` and `,` are Excel's, not shown). */
export interface LocaleFormats {
  date: string;
  datetime: string;
  money: (currency: string) => string;
  /** The CSV field separator the locale's Excel expects, and its decimal separator. */
  csvSeparator: ',' | ';';
  decimalSeparator: '.' | ',';
}

const SYMBOLS: Record<string, string> = { EUR: '€', PLN: 'zł', UAH: '₴', USD: '$', GBP: '£' };
const symbol = (currency: string): string => SYMBOLS[currency] ?? currency;
/** The symbol after the amount, as fi, pl, fr and uk write it: `1 234,50 €`. */
const after = (currency: string): string => `#,##0.00\\ "${symbol(currency)}"`;

export const LOCALE_FORMATS: Record<Locale, LocaleFormats> = {
  fi: {
    date: 'd.m.yyyy',
    datetime: 'd.m.yyyy h:mm',
    money: after,
    csvSeparator: ';',
    decimalSeparator: ',',
  },
  pl: {
    date: 'dd.mm.yyyy',
    datetime: 'dd.mm.yyyy hh:mm',
    money: after,
    csvSeparator: ';',
    decimalSeparator: ',',
  },
  fr: {
    date: 'dd/mm/yyyy',
    datetime: 'dd/mm/yyyy hh:mm',
    money: after,
    csvSeparator: ';',
    decimalSeparator: ',',
  },
  uk: {
    date: 'dd.mm.yyyy',
    datetime: 'dd.mm.yyyy hh:mm',
    money: after,
    csvSeparator: ';',
    decimalSeparator: ',',
  },
  en: {
    date: 'yyyy-mm-dd',
    datetime: 'yyyy-mm-dd hh:mm',
    money: (currency) => `"${symbol(currency)}"#,##0.00`,
    csvSeparator: ',',
    decimalSeparator: '.',
  },
};
