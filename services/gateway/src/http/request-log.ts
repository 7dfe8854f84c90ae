import type { OpenAPIObject } from '@nestjs/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { isUuid } from '@kanta/contracts';
import { requestIdOf } from './request-id';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/**
 * One line per request when its answer is complete — request id, method, path, the names of the
 * query's parameters, status and time, at info whatever the status, as pino-http logged them —
 * and one when the client went away first. Failures themselves are logged where they happen.
 *
 * Nothing a caller typed is logged as it is: bodies never; of the query only the names of the
 * parameters its operation documents (`q=<name>` logs `q`), the others counted; of the path the
 * route's own words and ids, any other segment replaced by the route's parameter (`:type`) or,
 * on a path no route has, by `*`. A name typed into a URL therefore never reaches the log.
 */
export class RequestLog {
  /** Every literal segment of the routes, lower-cased: what of an unknown path may be logged. */
  private readonly words = new Set<string>();
  /** The query parameters each operation documents, by `METHOD route` (`GET /api/v1/customers`). */
  private readonly queryNames = new Map<string, ReadonlySet<string>>();

  constructor(private readonly logger: Logger) {}

  /** Learns the routes' words as they are registered: call before the routes are. */
  watchRoutes(fastify: FastifyInstance): void {
    fastify.addHook('onRoute', (route) => {
      for (const segment of route.url.split('/')) {
        if (segment !== '' && !segment.startsWith(':')) this.words.add(segment.toLowerCase());
      }
    });
  }

  /** Learns the query parameters each operation documents. */
  learnQueries(document: OpenAPIObject): void {
    for (const [path, item] of Object.entries(document.paths)) {
      const route = path.replace(/\{(\w+)\}/g, ':$1');
      for (const method of METHODS) {
        const names = (item[method]?.parameters ?? [])
          .filter((p) => 'in' in p && p.in === 'query')
          .map((p) => ('name' in p ? p.name : ''));
        if (names.length > 0)
          this.queryNames.set(`${method.toUpperCase()} ${route}`, new Set(names));
      }
    }
  }

  response(request: FastifyRequest, reply: FastifyReply): void {
    this.logger.info(
      {
        req: this.requestFields(request),
        res: { statusCode: reply.statusCode },
        responseTime: Math.round(reply.elapsedTime),
      },
      reply.statusCode >= 500 ? 'request errored' : 'request completed',
    );
  }

  abort(request: FastifyRequest): void {
    this.logger.info({ req: this.requestFields(request) }, 'request aborted');
  }

  private requestFields(request: FastifyRequest): object {
    const at = request.url.indexOf('?');
    const fields: Record<string, unknown> = {
      id: requestIdOf(request),
      method: request.method,
      path: this.pathOf(request, at < 0 ? request.url : request.url.slice(0, at)),
    };
    if (at >= 0) Object.assign(fields, this.queryOf(request, request.url.slice(at + 1)));
    return fields;
  }

  private pathOf(request: FastifyRequest, path: string): string {
    const route = request.routeOptions.url;
    if (route === undefined || request.is404) {
      return path
        .split('/')
        .map((segment: string) => (this.mayLog(segment) ? segment : '*'))
        .join('/');
    }
    const params = request.params as Record<string, string | undefined>;
    return route.replace(/:(\w+)/g, (placeholder, name: string) => {
      const value = params[name];
      return value !== undefined && isUuid(value) ? value : placeholder;
    });
  }

  private mayLog(segment: string): boolean {
    return segment === '' || this.words.has(segment.toLowerCase()) || isUuid(segment);
  }

  private queryOf(request: FastifyRequest, query: string): object {
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    const documented = this.queryNames.get(`${method} ${request.routeOptions.url}`);
    const names = new Set<string>();
    let other = 0;
    for (const name of new URLSearchParams(query).keys()) {
      if (documented?.has(name)) names.add(name);
      else other += 1;
    }
    return { query: [...names], ...(other > 0 ? { otherQueryParameters: other } : {}) };
  }
}
