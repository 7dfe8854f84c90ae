import { problemType, type FieldError, type ProblemDetails } from '@kanta/contracts';

/**
 * An error that already knows the problem document to answer with. Thrown anywhere in an HTTP
 * app (or rebuilt from a service's RPC answer) and written out unchanged by the problem filter.
 */
export class ProblemError extends Error {
  constructor(readonly problem: ProblemDetails) {
    super(problem.detail ?? problem.title);
    this.name = 'ProblemError';
  }

  get status(): number {
    return this.problem.status;
  }

  static of(
    status: number,
    slug: string,
    title: string,
    detail?: string,
    extra: Partial<ProblemDetails> = {},
  ): ProblemError {
    return new ProblemError({ type: problemType(slug), title, status, detail, ...extra });
  }

  static badRequest(detail: string, errors?: FieldError[]): ProblemError {
    return ProblemError.of(400, 'bad-request', 'Bad request', detail, errors ? { errors } : {});
  }

  static unauthorized(detail = 'A valid bearer token is required.'): ProblemError {
    return ProblemError.of(401, 'unauthorized', 'Unauthorized', detail);
  }

  static forbidden(detail: string): ProblemError {
    return ProblemError.of(403, 'forbidden', 'Forbidden', detail);
  }

  static notFound(what: string, detail?: string): ProblemError {
    return ProblemError.of(404, 'not-found', `${what} not found`, detail);
  }

  static conflict(slug: string, detail: string, errors?: FieldError[]): ProblemError {
    return ProblemError.of(409, slug, 'Conflict', detail, errors ? { errors } : {});
  }

  static validation(
    errors: FieldError[],
    detail = 'The request has invalid fields.',
  ): ProblemError {
    return ProblemError.of(422, 'validation', 'Validation failed', detail, { errors });
  }

  static field(field: string, reason: string, message: string): ProblemError {
    return ProblemError.validation([{ field, reason, message }]);
  }

  static tooManyRequests(retryAfterSeconds: number, detail: string): ProblemError {
    return ProblemError.of(429, 'rate-limited', 'Too many requests', detail, { retryAfterSeconds });
  }

  static serviceUnavailable(detail: string): ProblemError {
    return ProblemError.of(503, 'service-unavailable', 'Service unavailable', detail);
  }

  static gatewayTimeout(detail: string): ProblemError {
    return ProblemError.of(504, 'gateway-timeout', 'Gateway timeout', detail);
  }

  static badGateway(detail: string): ProblemError {
    return ProblemError.of(502, 'bad-gateway', 'Bad gateway', detail);
  }
}
