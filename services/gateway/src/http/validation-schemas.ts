import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

type Facets = Record<string, unknown>;

/** Facets of a schema that OpenAPI generators put on the items of an array property. */
const ITEM_FACETS = ['format', 'pattern', 'maxLength', 'minLength', 'maximum', 'minimum'];

/**
 * What one class-validator check says of a value, in the words of a schema; nothing for checks a
 * schema cannot say (ISO dates need their format named, custom checks a description).
 */
function facetsOf(check: ValidationMetadata): Facets {
  const [first, second] = (check.constraints ?? []) as unknown[];
  switch (check.name ?? '') {
    case 'isString':
      return { type: 'string' };
    case 'isInt':
      return { type: 'integer' };
    case 'isNumber':
      return { type: 'number' };
    case 'isBoolean':
      return { type: 'boolean' };
    case 'isUuid':
      return { type: 'string', format: 'uuid' };
    case 'isEmail':
      return { type: 'string', format: 'email' };
    case 'isUrl':
      return { type: 'string', format: 'uri' };
    case 'matches':
      return { type: 'string', ...patternOf(first as RegExp) };
    case 'maxLength':
      return { maxLength: first };
    case 'minLength':
      return { minLength: first };
    case 'isLength':
      return { minLength: first, ...(second !== undefined ? { maxLength: second } : {}) };
    case 'min':
      return { minimum: first };
    case 'max':
      return { maximum: first };
    case 'arrayMinSize':
      return { minItems: first };
    case 'arrayMaxSize':
      return { maxItems: first };
    case 'isIn':
      return { enum: first };
    default:
      return {};
  }
}

/**
 * A JSON Schema pattern has no flags: `u` is how schemas read patterns anyway, but a regex that
 * ignores case or lets `.` match line breaks says something a pattern cannot, so the description
 * carries it instead.
 */
function patternOf(regex: RegExp): Facets {
  return /[is]/.test(regex.flags) ? {} : { pattern: regex.source };
}

/**
 * Writes what the validators of every DTO class check (types, formats, patterns, lengths,
 * bounds, sizes, allowed values, whether a field may be left out) into the classes' OpenAPI
 * metadata, so the document says what the validation pipe enforces without a second copy of a
 * rule in @ApiProperty. @ApiProperty keeps what validators cannot say: descriptions, examples,
 * `nullable`, date formats. Run before the document is made.
 */
export function documentValidationRules(): void {
  // class-validator keeps its checks by the class that declares them, and lists them privately.
  const declared = (
    getMetadataStorage() as unknown as { validationMetadatas: Map<unknown, ValidationMetadata[]> }
  ).validationMetadatas;
  for (const [target, checks] of declared) {
    if (typeof target !== 'function') continue;
    // Subclasses read these through their prototype: written on them, the type would be lost.
    const own = checks.filter((check) => check.target === target);
    for (const [property, propertyChecks] of Object.entries(groupByProperty(own))) {
      const prototype = target.prototype as object;
      const options = propertyOptions(propertyChecks, declaredAsUnion(prototype, property));
      if (options) ApiProperty(options)(prototype, property);
    }
  }
}

function groupByProperty(checks: ValidationMetadata[]): Record<string, ValidationMetadata[]> {
  const grouped: Record<string, ValidationMetadata[]> = {};
  for (const check of checks) (grouped[check.propertyName] ??= []).push(check);
  return grouped;
}

/**
 * TypeScript records a property's type for the decorators as Object when it is a union, which in
 * these DTOs is a scalar or null (`string | null`: null clears the field in a merge patch).
 */
function declaredAsUnion(prototype: object, property: string): boolean {
  return Reflect.getMetadata('design:type', prototype, property) === Object;
}

const SCALAR_TYPES = ['string', 'integer', 'number', 'boolean'];

function propertyOptions(
  checks: ValidationMetadata[],
  union: boolean,
): ApiPropertyOptions | undefined {
  const names = new Set(checks.map((check) => check.name ?? check.type));
  const facets: Facets = {};
  for (const check of checks) {
    const found = facetsOf(check);
    // A check on each element says something of the items, which an array's item facets carry.
    const kept = check.each
      ? Object.fromEntries(Object.entries(found).filter(([key]) => ITEM_FACETS.includes(key)))
      : found;
    Object.assign(facets, kept);
  }
  const optional = names.has('isOptional') || names.has('conditionalValidation');
  if (names.has('isArray') || names.has('nestedValidation') || names.has('isObject')) {
    // The element or object type comes from @ApiProperty; a type facet would hide it.
    delete facets.type;
  }
  if (Object.keys(facets).length === 0 && !names.has('isOptional') && !names.has('isDefined')) {
    return undefined;
  }
  // class-validator lets null through an optional field; a field declared `… | null` means it.
  const nullable = union && optional && SCALAR_TYPES.includes(String(facets.type));
  return {
    ...facets,
    required: !optional,
    ...(nullable ? { nullable } : {}),
  };
}
