import { LOCALES } from '@kanta/contracts';
import { importFieldMessage, isImportFieldReason } from './field-reasons';
import { FIELD_LABELS } from './import-fields';

describe('an API field reason as a sentence in the import’s locale', () => {
  it('names the column by the locale’s header, in every locale', () => {
    for (const locale of LOCALES) {
      const message = importFieldMessage('invalid_phone', 'phone', locale)!;
      expect(message).toContain(`"${FIELD_LABELS[locale].phone}"`);
      expect(message).not.toContain('{field}');
    }
    expect(importFieldMessage('required', 'email', 'fi')).toBe(
      `"${FIELD_LABELS.fi.email}" on pakollinen.`,
    );
    expect(importFieldMessage('too_long', 'lastName', 'pl')).toBe(
      `"${FIELD_LABELS.pl.lastName}" jest za długie.`,
    );
  });

  it('names a path the import has no column for as it is, and leaves unknown reasons to the API', () => {
    expect(importFieldMessage('invalid_format', 'addresses.1.city', 'fr')).toBe(
      '"addresses.1.city" n’est pas dans un format valide.',
    );
    expect(isImportFieldReason('totals_mismatch')).toBe(false);
    expect(importFieldMessage('totals_mismatch', 'phone', 'fi')).toBeNull();
  });
});
