import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { validate, validateSync, type ValidatorOptions } from 'class-validator';
import type { FieldError } from '@kanta/contracts';
import { inputRuleProblems } from './input-rules';
import { cacheValidationMetadata } from './metadata-cache';
import { ProblemError } from './problem-error';

cacheValidationMetadata();

/** class-validator constraint names, folded into the reasons our problem documents use. */
const REASONS: Record<string, string> = {
  whitelistValidation: 'unknown_field',
  isDefined: 'required',
  isNotEmpty: 'required',
  isNotBlank: 'required',
  maxLength: 'too_long',
  arrayMaxSize: 'too_many',
  minLength: 'too_short',
  arrayMinSize: 'too_few',
  isLength: 'invalid_length',
  isIn: 'not_allowed',
  isEnum: 'not_allowed',
  min: 'too_small',
  max: 'too_large',
  outOfRange: 'out_of_range',
  isEmail: 'invalid_format',
  matches: 'invalid_format',
  isUuid: 'invalid_format',
  isIso8601: 'invalid_format',
  isString: 'invalid_type',
  isInt: 'invalid_type',
  isNumber: 'invalid_type',
  isBoolean: 'invalid_type',
  isArray: 'invalid_type',
  isObject: 'invalid_type',
  nestedValidation: 'invalid_type',
};

/**
 * Checked first: a missing field, or one of the wrong type, or an unknown one fails every other
 * check too.
 */
const FIRST = [
  'isDefined',
  'whitelistValidation',
  'isString',
  'isInt',
  'isNumber',
  'isBoolean',
  'isArray',
  'isObject',
];

/**
 * The one failed constraint a field is reported by, and its reason: `firstName: 5` is reported as
 * `invalid_type` ("must be a string"), not as whichever check class-validator listed first.
 */
export function mainConstraint(constraints: Record<string, string>): {
  name: string;
  reason: string;
  message: string;
} {
  const entries = Object.entries(constraints);
  const [name, message] = entries.find(([key]) => FIRST.includes(key)) ?? entries[0];
  return {
    name,
    reason: REASONS[name] ?? (name.startsWith('is') ? 'invalid_format' : 'invalid'),
    message,
  };
}

/**
 * The reason a field failed: absent where a value is needed is `required`, whichever checks
 * class-validator ran on the missing value; otherwise (null included: a value, as in a PATCH that
 * clears a field) as mainConstraint says. Needs the errors made with `validationError.value` on.
 */
export function fieldFailure(error: ValidationError): {
  name: string;
  reason: string;
  message: string;
} {
  const constraints = error.constraints ?? {};
  if (error.value === undefined && !constraints.whitelistValidation) {
    return { name: 'isDefined', reason: 'required', message: `${error.property} is required` };
  }
  return mainConstraint(constraints);
}

/** What class-validator keeps in its errors: the value (for fieldFailure), not the object. */
export const VALIDATION_ERROR_OPTIONS = { target: false, value: true } as const;

/**
 * One FieldError per field, named by its path (`addresses.0.postalCode`), so a client can put
 * each message beside its input.
 */
export function validationFieldErrors(
  errors: ValidationError[],
  parent = '',
  roots: ReadonlySet<string | symbol> = new Set(),
): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    // The caller's body inside an RPC's data (RpcBody): its fields are named from it.
    if (parent === '' && roots.has(error.property) && error.children?.length) {
      out.push(...validationFieldErrors(error.children));
      continue;
    }
    if (error.constraints && Object.keys(error.constraints).length > 0) {
      const { name, reason, message } = fieldFailure(error);
      out.push({
        field,
        reason,
        message: name === 'whitelistValidation' ? `${field} is not a known field` : message,
      });
    }
    if (error.children && error.children.length > 0)
      out.push(...validationFieldErrors(error.children, field));
  }
  return out;
}

/**
 * Every field error of a transformed DTO instance: the input rules' (`inputRuleProblems`: control
 * characters, explicit nulls, numbers in exponent form) first, then class-validator's for the
 * other fields, unless a value the rules refuse makes one of its checks throw (class-validator's
 * decimal check on 1e-7 does): then the rules' alone. `roots`: the RPC data properties holding
 * the caller's body (see RpcBody), whose fields are named from it.
 */
export async function fieldErrorsOfInstance(
  instance: object,
  options: ValidatorOptions,
  roots?: ReadonlySet<string | symbol>,
): Promise<FieldError[]> {
  const problems = inputRuleProblems(instance);
  let others: FieldError[];
  try {
    others = validationFieldErrors(await validate(instance, options), '', roots);
  } catch (error) {
    // A check that cannot take a refused value; the rules' problems say enough.
    if (problems.length === 0) throw error;
    others = [];
  }
  const named = new Set(problems.map((problem) => problem.field));
  return [...problems, ...others.filter((error) => !named.has(error.field))];
}

/**
 * `fieldErrorsOfInstance` without a promise per check (class-validator's validateSync; no DTO has
 * an asynchronous check): for callers that validate many bodies in a row (an import's rows).
 */
export function fieldErrorsOfInstanceSync(
  instance: object,
  options: ValidatorOptions,
): FieldError[] {
  const problems = inputRuleProblems(instance);
  let others: FieldError[];
  try {
    others = validationFieldErrors(validateSync(instance, options));
  } catch (error) {
    if (problems.length === 0) throw error;
    others = [];
  }
  const named = new Set(problems.map((problem) => problem.field));
  return [...problems, ...others.filter((error) => !named.has(error.field))];
}

/** Nest's ValidationPipe with the input rules, its failures one 422 problem. */
class RuledValidationPipe extends ValidationPipe {
  protected override async validate(
    object: object,
    validatorOptions?: ValidatorOptions,
  ): Promise<ValidationError[]> {
    const errors = await fieldErrorsOfInstance(object, validatorOptions ?? {});
    if (errors.length > 0) throw ProblemError.validation(errors);
    return [];
  }
}

/**
 * The validation every HTTP edge uses: unknown fields are refused and named, values are
 * transformed into the DTO classes, the input rules hold, and failures become one 422 problem.
 */
export function createValidationPipe(): ValidationPipe {
  return new RuledValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: VALIDATION_ERROR_OPTIONS,
    exceptionFactory: (errors) => ProblemError.validation(validationFieldErrors(errors)),
  });
}
