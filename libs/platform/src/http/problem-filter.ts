import { isDatabaseUnavailable } from '@kanta/database';
import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
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

/** The problem document of a status, with the type and title every answer of it has. */
export function problemOfStatus(status: number, detail?: string): ProblemDetails {
  const [slug, title] = SLUGS[status] ?? ['error', 'Error'];
  return { type: problemType(slug), title, status, detail };
}

/**
 * What the HTTP server itself refuses before our code sees the request (Fastify's errors, which
 * Nest hands on as HttpExceptions carrying Fastify's message), said as the gateway says it.
 */
const SERVER_REFUSALS: Record<number, string> = {
  413: 'The body is larger than this endpoint accepts.',
  415: 'Send the body as application/json.',
};

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
    return problemOfStatus(status, SERVER_REFUSALS[status] ?? message);
  }
  if (isDatabaseUnavailable(error)) {
    return problemOfStatus(503, 'The database is not answering; try again shortly.');
  }
  return problemOfStatus(500, 'Something went wrong on our side; the request id helps us find it.');
}

export function writeProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  problem: ProblemDetails,
  logger: Logger,
  error: unknown,
): void {
  const requestId = reply.getHeader('x-request-id');
  const path = request.url.split('?')[0];
  const body: ProblemDetails = {
    ...problem,
    instance: problem.instance ?? path,
    ...(typeof requestId === 'string' ? { requestId } : {}),
  };
  if (body.status >= 500 && body.status !== 503 && body.status !== 504) {
    // The error's name and message only: bodies and arguments may hold personal data.
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : 'non-error thrown';
    logger.error(
      `${request.method} ${path} failed (request ${String(requestId)}): ${reason}`,
      error instanceof Error ? error.stack : undefined,
    );
  }
  if (reply.sent) return;
  if (typeof body.retryAfterSeconds === 'number') {
    reply.header('Retry-After', String(body.retryAfterSeconds));
  }
  reply
    .status(body.status)
    .header('Content-Type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`)
    .send(JSON.stringify(body));
}

/**
 * Every error an HTTP app answers is an RFC 9457 problem document: a handler's or a guard's, and
 * (through Nest's error and not-found handlers) the server's own refusals of a body or a route.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    writeProblem(
      http.getRequest<FastifyRequest>(),
      http.getResponse<FastifyReply>(),
      toProblem(error),
      this.logger,
      error,
    );
  }
}
