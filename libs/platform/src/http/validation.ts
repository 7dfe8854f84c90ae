import { ValidationPipe, type ValidationError } from '@nestjs/common';
import type { FieldError } from '@kanta/contracts';
import { ProblemError } from './problem-error';

/** class-validator constraint names, folded into the reasons our problem documents use. */
const REASONS: Record<string, string> = {
  whitelistValidation: 'unknown_field',
  isDefined: 'required',
  isNotEmpty: 'required',
  maxLength: 'too_long',
  arrayMaxSize: 'too_many',
  minLength: 'too_short',
  arrayMinSize: 'too_few',
  length: 'invalid_length',
  isIn: 'not_allowed',
  isEnum: 'not_allowed',
  min: 'too_small',
  max: 'too_large',
  nestedValidation: 'invalid',
};

/**
 * One FieldError per field, named by its path (`addresses.0.postalCode`), so a client can put
 * each message beside its input.
 */
export function validationFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const constraints = Object.entries(error.constraints ?? {});
    if (constraints.length > 0) {
      // whitelist errors are the most useful ("this field does not exist"), so they win.
      const [name, message] =
        constraints.find(([key]) => key === 'whitelistValidation') ?? constraints[0];
      out.push({
        field,
        reason:
          REASONS[name] ??
          (name.startsWith('is') || name === 'matches' ? 'invalid_format' : 'invalid'),
        message: name === 'whitelistValidation' ? `${field} is not a known field` : message,
      });
    }
    if (error.children && error.children.length > 0)
      out.push(...validationFieldErrors(error.children, field));
  }
  return out;
}

/**
 * The validation every HTTP edge uses: unknown fields are refused and named, values are
 * transformed into the DTO classes, and failures become one 422 problem.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => ProblemError.validation(validationFieldErrors(errors)),
  });
}
