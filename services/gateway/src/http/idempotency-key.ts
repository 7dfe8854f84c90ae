import { IDEMPOTENCY_KEY_MAX, IDEMPOTENCY_KEY_PATTERN } from '@kanta/contracts';
import { ProblemError } from '@kanta/platform';

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

/** The OpenAPI text of the header, with what it means for the operation. */
export function idempotencyKeyHeader(meaning: string): {
  name: string;
  required: false;
  description: string;
} {
  return {
    name: 'Idempotency-Key',
    required: false,
    description: `1-${IDEMPOTENCY_KEY_MAX} printable ASCII characters without spaces; ${meaning}`,
  };
}
