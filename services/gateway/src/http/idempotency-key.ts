import { applyDecorators } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { IDEMPOTENCY_KEY_MAX, IDEMPOTENCY_KEY_PATTERN } from '@kanta/contracts';
import { ProblemError } from '@kanta/platform';
import { ApiProblems } from './api-problems';

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

/** What sending a write again with the same Idempotency-Key does, unless an operation says more. */
export const IDEMPOTENT_WRITE =
  'the same request sent again with the same key is answered as the first was, and changes nothing twice';

/**
 * The optional Idempotency-Key header of an operation that writes through a service, documented
 * once with its form, what a repeat means for the operation, and the 422 of a malformed or
 * reused key. The auth guard reads the header into the caller, and Rpc runs the write under it.
 */
export function IdempotencyKey(meaning = IDEMPOTENT_WRITE): MethodDecorator & ClassDecorator {
  return applyDecorators(
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
