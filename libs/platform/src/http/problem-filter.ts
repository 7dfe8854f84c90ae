import { isDatabaseUnavailable } from '@kanta/database';
import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { problemType, type ProblemDetails } from '@kanta/contracts';
import { ProblemError } from './problem-error';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const SLUGS: Record<number, [string, string]> = {
  400: ['bad-request', 'Bad request'],
  401: ['unauthorized', 'Unauthorized'],
  403: ['forbidden', 'Forbidden'],
  404: ['not-found', 'Not found'],
  405: ['method-not-allowed', 'Method not allowed'],
  406: ['not-acceptable', 'Not acceptable'],
  409: ['conflict', 'Conflict'],
  412: ['precondition-failed', 'Precondition failed'],
  413: ['payload-too-large', 'Payload too large'],
  415: ['unsupported-media-type', 'Unsupported media type'],
  422: ['validation', 'Validation failed'],
  428: ['precondition-required', 'Precondition required'],
  429: ['rate-limited', 'Too many requests'],
  500: ['internal', 'Internal server error'],
  502: ['bad-gateway', 'Bad gateway'],
  503: ['service-unavailable', 'Service unavailable'],
  504: ['gateway-timeout', 'Gateway timeout'],
};

function fromStatus(status: number, detail?: string): ProblemDetails {
  const [slug, title] = SLUGS[status] ?? ['error', 'Error'];
  return { type: problemType(slug), title, status, detail };
}

/** body-parser errors carry a `type` and a `status` of their own. */
interface ParserError {
  type: string;
  status: number;
}
function isParserError(error: unknown): error is ParserError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as ParserError).type === 'string' &&
    typeof (error as ParserError).status === 'number'
  );
}

/** Folds anything thrown while handling a request into the problem document to answer with. */
export function toProblem(error: unknown): ProblemDetails {
  if (error instanceof ProblemError) return error.problem;
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const body = error.getResponse();
    const message =
      typeof body === 'string'
        ? body
        : typeof (body as { message?: unknown }).message === 'string'
          ? (body as { message: string }).message
          : undefined;
    return fromStatus(status, message);
  }
  if (isParserError(error)) {
    switch (error.type) {
      case 'entity.parse.failed':
        return fromStatus(400, 'The body is not valid JSON.');
      case 'entity.too.large':
        return fromStatus(413, 'The body is larger than this endpoint accepts.');
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return fromStatus(415, 'The body encoding or charset is not supported.');
      default:
        if (error.status >= 400 && error.status < 500) return fromStatus(error.status);
    }
  }
  if (isDatabaseUnavailable(error)) {
    return fromStatus(503, 'The database is not answering; try again shortly.');
  }
  return fromStatus(500, 'Something went wrong on our side; the request id helps us find it.');
}

export function writeProblem(
  req: Request,
  res: Response,
  problem: ProblemDetails,
  logger: Logger,
  error: unknown,
): void {
  const requestId = res.getHeader('x-request-id');
  const body: ProblemDetails = {
    ...problem,
    instance: problem.instance ?? req.path,
    ...(typeof requestId === 'string' ? { requestId } : {}),
  };
  if (body.status >= 500 && body.status !== 503 && body.status !== 504) {
    // The error's name and message only: bodies and arguments may hold personal data.
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : 'non-error thrown';
    logger.error(
      `${req.method} ${req.path} failed (request ${String(requestId)}): ${reason}`,
      error instanceof Error ? error.stack : undefined,
    );
  }
  if (res.headersSent) return;
  if (typeof body.retryAfterSeconds === 'number') {
    res.setHeader('Retry-After', String(body.retryAfterSeconds));
  }
  res.status(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

/** Every error an HTTP app answers is an RFC 9457 problem document. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    writeProblem(
      http.getRequest<Request>(),
      http.getResponse<Response>(),
      toProblem(error),
      this.logger,
      error,
    );
  }
}

/**
 * The same answer for errors raised by express middleware that runs before Nest's router
 * (the body parser): malformed JSON, bodies too large.
 */
export function problemErrorMiddleware(): (
  error: unknown,
  req: Request,
  res: Response,
  next: NextFunction,
) => void {
  const logger = new Logger('ProblemFilter');
  return (error, req, res, _next) => writeProblem(req, res, toProblem(error), logger, error);
}
