import type { ImportFileReader } from './import-reader';

/**
 * The service's import file reader: services/customers/src/imports/files (CSV and XLSX, the
 * template, localised messages), adapted to ImportFileReader.
 */
export const importFileReader: ImportFileReader = {
  open() {
    return Promise.reject(new Error('the import file reader is not wired yet'));
  },
  message(code) {
    return code;
  },
  template() {
    return Promise.reject(new Error('the import file reader is not wired yet'));
  },
};
