import { ValidateBy, type ValidationOptions } from 'class-validator';

/** Text with something in it besides white space. */
export function IsNotBlank(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNotBlank',
      validator: {
        validate: (value: unknown): boolean => typeof value === 'string' && value.trim() !== '',
        defaultMessage: (args) => `${args?.property ?? 'the value'} must not be empty`,
      },
    },
    options,
  );
}

/** Free text as kept: trimmed, and null when there is none. */
export function textOrNull(value: string | null | undefined): string | null {
  return value === null || value === undefined || value.trim() === '' ? null : value.trim();
}
