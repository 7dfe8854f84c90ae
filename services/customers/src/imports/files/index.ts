// What the import job uses of the file layer: opening and reading an uploaded file, the fields
// and their headers, the template, and the messages of every code in five languages.
export {
  IMPORT_MAX_CELL_CHARS,
  IMPORT_MAX_COLUMNS,
  ImportFileProblem,
  openImportFile,
  type ImportColumn,
  type ImportFile,
  type ImportFileMessage,
  type ImportFileOptions,
  type ImportFileRow,
  type ImportRowProblem,
} from './open-import-file';
export {
  CUSTOMER_IMPORT_FIELDS,
  FIELD_LABELS,
  FIXED_VALUE_FIELDS,
  FIXED_VALUE_LABELS,
  IMPORT_FIELDS,
  VEHICLE_IMPORT_FIELDS,
  ambiguousFieldsOfHeader,
  fieldOfHeader,
  fixedValueOf,
  foldHeader,
  isImportField,
  isVehicleField,
  missingRequiredFields,
  templateFields,
  templateRequiredFields,
  type ConsentValue,
  type CustomerImportField,
  type CustomerKindValue,
  type FixedValueField,
  type ImportField,
  type VehicleImportField,
} from './import-fields';
export { buildImportTemplate, templateHeader } from './import-template';
export {
  IMPORT_FILE_PROBLEM_CODES,
  IMPORT_ROW_PROBLEM_CODES,
  IMPORT_WARNING_CODES,
  importMessage,
  isImportMessageCode,
  type ImportFileProblemCode,
  type ImportMessageCode,
  type ImportMessageParams,
  type ImportRowProblemCode,
  type ImportWarningCode,
} from './messages';
export { IMPORT_ENCODINGS, importEncodingOf, type ImportEncoding } from './text-encoding';
export { importFieldMessage, isImportFieldReason, type ImportFieldReason } from './field-reasons';
