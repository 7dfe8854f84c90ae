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
