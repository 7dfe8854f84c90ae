import type { ColumnType } from './columns';

/**
 * Characters that make a spreadsheet read a cell as a formula (CSV/formula injection): `=`, `+`,
 * `-`, `@`, a tab and a carriage return, the list of OWASP's "CSV Injection" page.
 */
const FORMULA_TRIGGERS = new Set(['=', '+', '-', '@', '\t', '\r']);

/** Only what phone numbers are written with: a value like this cannot call a function. */
const PHONE_CHARACTERS = /^[+0-9 ()./-]*$/;

/**
 * The text a cell of this column type shows, neutralised against formula injection: free text
 * that begins with a trigger gets a leading single quote (`'=1+1`), OWASP's recommendation, so
 * Excel, LibreOffice and Google Sheets show it as text and never evaluate it, also after the
 * cell is edited or the file saved again as CSV. The one rule for both writers.
 *
 * Phone numbers stay exactly as stored (`+358401234567` is not a formula to neutralise): a
 * `phone` value made only of phone characters (digits, spaces, `+ - ( ) . /`) is kept as it is,
 * anything else in a phone column is treated as free text. `raw` is written as given: for values
 * the caller vouches for (ids, customer numbers), never free text.
 */
export function cellText(type: ColumnType, value: string): string {
  switch (type) {
    case 'raw':
      return value;
    case 'phone':
      return PHONE_CHARACTERS.test(value) ? value : neutraliseFormula(value);
    case 'text':
    case 'number':
    case 'money':
    case 'date':
    case 'datetime':
      return neutraliseFormula(value);
  }
}

/** `value` with a leading `'` when it begins with a formula trigger. */
export function neutraliseFormula(value: string): string {
  return FORMULA_TRIGGERS.has(value.charAt(0)) ? `'${value}` : value;
}
