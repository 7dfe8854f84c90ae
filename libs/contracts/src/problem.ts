import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One refused field of a request, in a problem document's `errors`. */
export class FieldError {
  @ApiProperty({
    description: 'Path of the field (`email`, `addresses.0.postalCode`) or the header name',
    example: 'addresses.0.postalCode',
  })
  field: string;

  @ApiProperty({
    description: 'Machine-readable reason: `required`, `invalid_format`, `too_long`, `taken`, …',
    example: 'invalid_format',
  })
  reason: string;

  @ApiProperty({ description: 'A sentence a person can read' })
  message: string;
}

/**
 * RFC 9457 problem details, with field-level errors for validation failures: the body of every
 * error the API answers (as application/problem+json).
 */
export class ProblemDetails {
  @ApiProperty({ example: 'https://kanta.dev/problems/validation' }) type: string;
  @ApiProperty({ example: 'Validation failed' }) title: string;
  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599, example: 422 }) status: number;
  @ApiPropertyOptional() detail?: string;
  @ApiPropertyOptional({ description: 'The path that was requested' }) instance?: string;
  @ApiPropertyOptional({ type: [FieldError] }) errors?: FieldError[];
  @ApiPropertyOptional({ description: 'The X-Request-Id of the request, for support' })
  requestId?: string;
  @ApiPropertyOptional({ type: 'integer', description: '429: also sent as Retry-After' })
  retryAfterSeconds?: number;
  @ApiPropertyOptional({
    description:
      '503 or 504 of a write: the key it ran under (the Idempotency-Key sent, or one the gateway made). ' +
      'Send the same request again with `Idempotency-Key: <retryKey>` (a key the gateway made: ' +
      'within an hour): it answers the write if it was made, or makes it now, never twice.',
  })
  retryKey?: string;
  @ApiPropertyOptional({
    format: 'uuid',
    description:
      '409 customer-merged: the customer the named one was merged into (the end of a chain of ' +
      'merges). Send the request about that customer instead.',
  })
  survivorId?: string;
  [extension: string]: unknown;
}

export const PROBLEM_TYPE_BASE = 'https://kanta.dev/problems/';

export const problemType = (slug: string): string => `${PROBLEM_TYPE_BASE}${slug}`;
