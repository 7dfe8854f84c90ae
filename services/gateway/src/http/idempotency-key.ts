import { Headers } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { IDEMPOTENCY_KEY_MAX, IDEMPOTENCY_KEY_PATTERN } from '@kanta/contracts';
import { ProblemError } from '@kanta/platform';
import { ApiProblems, DocumentedParameter } from './api-problems';

/**
 * The `Idempotency-Key` header of a create, checked before anything is sent on: 1–200 printable
 * ASCII characters without spaces, else a 422 naming the header.
 */
export function checkIdempotencyKey(key: string | undefined): void {
  if (key === undefined) return;
  if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX) {
    throw ProblemError.field(
      'Idempotency-Key',
      'invalid_length',
      `Idempotency-Key must be 1-${IDEMPOTENCY_KEY_MAX} characters`,
    );
  }
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw ProblemError.field(
      'Idempotency-Key',
      'invalid_format',
      'Idempotency-Key must be printable ASCII without spaces',
    );
  }
}

/**
 * The optional Idempotency-Key header of a create, as a handler parameter: documented once, with
 * its form, what a repeat means for the operation, and the 422 of a malformed or reused key.
 */
export function IdempotencyKey(meaning: string): ParameterDecorator {
  return DocumentedParameter(
    Headers('Idempotency-Key'),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: `1-${IDEMPOTENCY_KEY_MAX} printable ASCII characters without spaces; ${meaning}`,
      schema: {
        type: 'string',
        minLength: 1,
        maxLength: IDEMPOTENCY_KEY_MAX,
        pattern: IDEMPOTENCY_KEY_PATTERN.source,
      },
    }),
    ApiProblems([
      422,
      'Invalid fields (`errors` names each), a malformed Idempotency-Key, or a key used before with another request',
    ]),
  );
}
