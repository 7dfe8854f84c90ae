import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { requestIdOf } from './request-id';

/**
 * One line per request when its answer is complete: request id, method, path (never the query
 * string: search words are personal data) and status, like pino-http's, without a child logger
 * and its serialisation and redaction per request, or a request-scoped async context.
 */
export function requestLogMiddleware(
  logger: Logger,
): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    const started = Date.now();
    const done = (): void => {
      res.off('finish', done);
      res.off('close', done);
      const fields = {
        req: { id: requestIdOf(req), method: req.method, path: req.originalUrl.split('?')[0] },
        res: { statusCode: res.statusCode },
        responseTime: Date.now() - started,
      };
      // At info whatever the status, as pino-http logs; failures are logged where they happen.
      if (res.statusCode >= 500) logger.info(fields, 'request errored');
      else if (req.readableAborted || !res.writableEnded) logger.info(fields, 'request aborted');
      else logger.info(fields, 'request completed');
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  };
}
