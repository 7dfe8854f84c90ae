import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { requestIdOf } from './request-id';

function requestFields(request: FastifyRequest): object {
  return { id: requestIdOf(request), method: request.method, path: request.url.split('?')[0] };
}

/**
 * One line per request when its answer is complete: request id, method, path (never the query
 * string: search words are personal data) and status, at info whatever the status, as pino-http
 * logged them; failures themselves are logged where they happen.
 */
export function logResponse(logger: Logger, request: FastifyRequest, reply: FastifyReply): void {
  logger.info(
    {
      req: requestFields(request),
      res: { statusCode: reply.statusCode },
      responseTime: Math.round(reply.elapsedTime),
    },
    reply.statusCode >= 500 ? 'request errored' : 'request completed',
  );
}

/** The client went away before its answer was complete. */
export function logAbort(logger: Logger, request: FastifyRequest): void {
  logger.info({ req: requestFields(request) }, 'request aborted');
}
