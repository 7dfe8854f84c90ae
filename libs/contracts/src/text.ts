import { ApiPropertyOptional } from '@nestjs/swagger';
import { ValidateBy, type ValidationOptions } from 'class-validator';

/** Metadata key of @MultiLineText(), read by the input rules of `@kanta/platform`. */
export const MULTILINE_TEXT = 'kanta:multiline-text';

/**
 * Prose (notes, descriptions, comments, consent texts): line breaks and tabs are allowed in it.
 * Every other text field is one line; control characters are refused in all of them.
 */
export const MultiLineText = (): PropertyDecorator => (target, property) =>
  Reflect.defineMetadata(MULTILINE_TEXT, true, target, property);

/**
 * `null` is a value of this field (it clears it, or asks for the default). Said in the OpenAPI
 * document (`nullable: true`), which the validation pipe follows: an explicit null on a field
 * the document does not call nullable is refused.
 */
export const Nullable = (): PropertyDecorator => ApiPropertyOptional({ nullable: true });

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
