import {
  buildImportTemplate,
  importFieldMessage,
  importMessage,
  isImportMessageCode,
  openImportFile,
  type ImportField,
} from './files';
import type { ImportFileReader } from './import-reader';

/**
 * The service's import file reader: services/customers/src/imports/files (CSV and XLSX by their
 * bytes, headers in five languages, localised messages), adapted to ImportFileReader.
 */
export const importFileReader: ImportFileReader = {
  async open(path, options, locale) {
    const file = await openImportFile(path, {
      encoding: options.encoding,
      // Fields the reader does not know are its 422 on mapping.
      mapping: options.mapping as Record<string, ImportField | null> | undefined,
    });
    return {
      format: file.format,
      encoding: file.encoding,
      separator: file.separator,
      headers: file.columns.map((column) => column.header),
      warnings: file.warnings.map((warning) => ({
        code: warning.code,
        ...(typeof warning.params?.header === 'string' ? { column: warning.params.header } : {}),
        message: importMessage(warning.code, locale, warning.params),
      })),
      batches: (size) => file.batches(size),
      close: () => file.close(),
    };
  },
  message(code, locale, params) {
    if (isImportMessageCode(code)) {
      return importMessage(code, locale, params as Record<string, string | number> | undefined);
    }
    // An API reason about a field (required, too_long, invalid_phone, …).
    const field = params?.field;
    return (typeof field === 'string' && importFieldMessage(code, field, locale)) || code;
  },
  template(locale, vehicles) {
    return buildImportTemplate(locale, vehicles);
  },
};
