import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { MULTILINE_TEXT, type FieldError } from '@kanta/contracts';

/*
 * Rules every body and query obeys, whatever its DTO says, checked on the transformed DTO
 * instance before class-validator runs (`createValidationPipe`). Each catches input that used to
 * pass validation and then fail further on with a 500:
 *
 * - Text: no NUL (PostgreSQL refuses it in text and jsonb) and no other control character (C0,
 *   DEL, C1: a bell or an escape in a name). Line breaks and tabs are allowed only in fields
 *   marked @MultiLineText() (notes, descriptions, comments, consent texts) and in free JSON
 *   without a DTO (a partner event's payload, which its JSON Schema checks); every other field
 *   (names, company, station and group names, e-mail, phone, search words) is one line.
 * - null: an optional field (@IsOptional(), which lets null through unchecked) takes an explicit
 *   null only where the OpenAPI document says it is nullable (`nullable: true`, or @Nullable()
 *   from @kanta/contracts); elsewhere null is refused instead of being taken as "absent" and
 *   written as a missing value. A required field's own checks refuse null already.
 * - Decimal numbers: a number too small for JavaScript to write without an exponent (1e-7,
 *   5e-324) in a field limited to a few decimals is refused as having too many; class-validator's
 *   own maxDecimalPlaces check reads the number's text and throws on the exponent form.
 */

// Finding control characters is the point of these two.
/** C0 controls but tab, line feed and carriage return; DEL; C1 controls. */
// eslint-disable-next-line no-control-regex
const CONTROL_IN_MULTILINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
/** Every C0 control (tab and line breaks too), DEL and C1 controls. */
// eslint-disable-next-line no-control-regex
const CONTROL_IN_LINE = /[\u0000-\u001f\u007f-\u009f]/;
const LINE_BREAK_OR_TAB = /[\t\n\r]/;
/** Where OpenAPI properties of a DTO are kept by @nestjs/swagger (ApiProperty and friends). */
const API_MODEL_PROPERTIES = 'swagger/apiModelProperties';

/** How a DTO class's properties are checked: cached per class, as the classes never change. */
interface ClassRules {
  /** Properties with @IsOptional(), which lets a null through unchecked. */
  optional: Set<string>;
  /** The most decimals a number property may have (IsNumber's maxDecimalPlaces). */
  decimals: Map<string, { max: number; message: string | null }>;
}

/** A DTO class, as class-validator's metadata storage takes it. */
type DtoClass = abstract new (...args: never[]) => unknown;

const rulesByClass = new Map<DtoClass, ClassRules>();

function rulesOf(type: DtoClass): ClassRules {
  let rules = rulesByClass.get(type);
  if (rules) return rules;
  const metadatas: ValidationMetadata[] = getMetadataStorage().getTargetValidationMetadatas(
    type,
    '',
    true,
    false,
  );
  rules = { optional: new Set(), decimals: new Map() };
  for (const metadata of metadatas) {
    if (metadata.name === 'isOptional') rules.optional.add(metadata.propertyName);
    const options = metadata.constraints?.[0] as { maxDecimalPlaces?: number } | undefined;
    if (metadata.name === 'isNumber' && typeof options?.maxDecimalPlaces === 'number') {
      rules.decimals.set(metadata.propertyName, {
        max: options.maxDecimalPlaces,
        message: typeof metadata.message === 'string' ? metadata.message : null,
      });
    }
  }
  rulesByClass.set(type, rules);
  return rules;
}

function nullable(prototype: object, property: string): boolean {
  const api = Reflect.getMetadata(API_MODEL_PROPERTIES, prototype, property) as
    { nullable?: boolean } | undefined;
  return api?.nullable === true;
}

function multiLine(prototype: object | null, property: string): boolean {
  return prototype === null || Reflect.getMetadata(MULTILINE_TEXT, prototype, property) === true;
}

/** Decimals of a finite number, exponent form included (1.5e-7 has 8). */
export function decimalPlaces(value: number): number {
  if (Number.isInteger(value)) return 0;
  const [mantissa, exponent = '0'] = String(value).toLowerCase().split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent));
}

const codePoint = (char: string): string =>
  `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

function textProblem(field: string, text: string, oneLine: boolean): FieldError | null {
  const found = (oneLine ? CONTROL_IN_LINE : CONTROL_IN_MULTILINE).exec(text);
  if (!found) return null;
  const char = found[0];
  if (char === '\u0000') {
    return {
      field,
      reason: 'control_character',
      message: `${field} must not contain the NUL character (U+0000)`,
    };
  }
  if (LINE_BREAK_OR_TAB.test(char)) {
    return {
      field,
      reason: 'control_character',
      message: `${field} must be one line, without line breaks or tabs (found ${codePoint(char)})`,
    };
  }
  return {
    field,
    reason: 'control_character',
    message: `${field} must not contain control characters (found ${codePoint(char)})`,
  };
}

const pathOf = (parent: string, key: string | number): string =>
  parent === '' ? String(key) : `${parent}.${key}`;

/**
 * Every breach of the rules above in a transformed DTO instance (nested DTOs, arrays and free
 * JSON included), one FieldError per field, named by its path as validation names it.
 */
export function inputRuleProblems(root: unknown): FieldError[] {
  const problems: FieldError[] = [];

  /** `owner`: the DTO prototype the value is a property of (null inside free JSON). */
  const visit = (value: unknown, field: string, owner: object | null, property: string): void => {
    if (typeof value === 'string') {
      const problem = textProblem(field, value, !multiLine(owner, property));
      if (problem) problems.push(problem);
    } else if (typeof value === 'number') {
      const rule = owner
        ? rulesOf(owner.constructor as DtoClass).decimals.get(property)
        : undefined;
      if (rule && Number.isFinite(value) && decimalPlaces(value) > rule.max) {
        problems.push({
          field,
          reason: 'invalid_type',
          message: rule.message ?? `${field} must be a number with at most ${rule.max} decimals`,
        });
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, pathOf(field, index), owner, property));
    } else if (typeof value === 'object' && value !== null) {
      walkObject(value, field);
    }
  };

  const walkObject = (object: object, field: string): void => {
    const prototype = Object.getPrototypeOf(object) as object | null;
    const isDto = prototype !== null && prototype !== Object.prototype;
    const rules = isDto ? rulesOf(prototype.constructor as DtoClass) : null;
    for (const [key, value] of Object.entries(object)) {
      const path = pathOf(field, key);
      if (!isDto && CONTROL_IN_LINE.test(key)) {
        problems.push({
          field,
          reason: 'control_character',
          message: `${field} has a property name with control characters`,
        });
        continue;
      }
      if (value === null) {
        if (rules?.optional.has(key) && !nullable(prototype!, key)) {
          problems.push({
            field: path,
            reason: 'null_not_allowed',
            message: `${path} must not be null; leave it out instead`,
          });
        }
        continue;
      }
      visit(value, path, isDto ? prototype : null, key);
    }
  };

  visit(root, '', null, '');
  return problems;
}
