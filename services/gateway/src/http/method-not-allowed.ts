import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProblemError } from '@kanta/platform';

/**
 * The methods of each route path as the router has them, so that a request for a known path with
 * another method is told apart from one for an unknown path: 405 with Allow, not 404. Needs to be
 * set up before the routes are registered (Nest registers them at init).
 */
export function useMethodNotAllowed(
  fastify: FastifyInstance,
): (request: FastifyRequest, reply: FastifyReply) => void {
  const methodsOf = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  fastify.addHook('onRoute', (route) => {
    const entry = methodsOf.get(route.url) ?? {
      pattern: routePattern(route.url),
      methods: new Set(),
    };
    for (const method of [route.method].flat()) entry.methods.add(method.toUpperCase());
    methodsOf.set(route.url, entry);
  });
  return (request, reply) => {
    if (!request.is404) return;
    const path = request.url.split('?')[0];
    const allowed = new Set<string>();
    for (const { pattern, methods } of methodsOf.values()) {
      if (pattern.test(path)) for (const method of methods) allowed.add(method);
    }
    if (allowed.size === 0) return;
    if (allowed.has('GET')) allowed.add('HEAD');
    const allow = [...allowed].sort().join(', ');
    reply.header('Allow', allow);
    throw ProblemError.of(
      405,
      'method-not-allowed',
      'Method not allowed',
      `${path} answers ${allow}, not ${request.method}.`,
    );
  };
}

/** A Fastify route path (`/customers/:id`) as the router matches it: any case, trailing slash or not. */
function routePattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) =>
      segment.startsWith(':')
        ? '[^/]+'
        : segment === '*'
          ? '.*'
          : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${source}/?$`, 'i');
}
