import type { LoggerService } from '@nestjs/common';
import type { Logger } from 'pino';

/** Nest's own messages (module init, route mapping, transport errors) through the pino logger. */
export function nestLogger(logger: Logger): LoggerService {
  const write =
    (level: 'info' | 'warn' | 'error' | 'debug' | 'trace') =>
    (message: unknown, ...rest: unknown[]): void => {
      const context = typeof rest[rest.length - 1] === 'string' ? rest[rest.length - 1] : undefined;
      if (message instanceof Error) logger[level]({ err: message, context }, message.message);
      else logger[level]({ context }, typeof message === 'string' ? message : String(message));
    };
  return {
    log: write('info'),
    warn: write('warn'),
    error: write('error'),
    debug: write('debug'),
    verbose: write('trace'),
    fatal: write('error'),
  };
}
