import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';

/**
 * A check that runs when a request's headers have arrived and before its body is read: a rate
 * limit, a key or a token. A body is read, parsed and validated only for a caller who passed it,
 * so an anonymous flood of large or deep bodies costs the gateway next to nothing.
 */
export type BeforeBodyCheck = (request: FastifyRequest) => Promise<void>;

/** The checks a route can ask for by name (filled in at start, from the app's providers). */
export type BeforeBodyChecks = Record<'login' | 'partner' | 'bearer', BeforeBodyCheck>;

/** What a handler says about its HTTP edge (kept in its Fastify route config). */
interface RouteEdge {
  /** Largest body this route reads, in bytes; more is a 413 before it is read. */
  bodyLimitBytes?: number;
  /** The check to run before the body; a route without one needs a bearer token. */
  beforeBody?: Exclude<keyof BeforeBodyChecks, 'bearer'> | 'none';
  /** The route reads a multipart/form-data body itself, streaming (an upload). */
  multipart?: boolean;
}

const EDGE = 'kantaEdge';

/** `asDefault`: what the route already says wins (decorators apply bottom-up). */
function edgeDecorator(edge: RouteEdge, asDefault = false): MethodDecorator {
  return (_target, _key, descriptor) => {
    const handler = descriptor.value as object;
    const config = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) ?? {}) as Record<
      string,
      unknown
    >;
    const said = config[EDGE] as RouteEdge | undefined;
    const merged = { ...config, [EDGE]: asDefault ? { ...edge, ...said } : { ...said, ...edge } };
    Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, merged, handler);
    return descriptor;
  };
}

/** This route reads bodies of at most `bytes` (instead of HTTP_BODY_LIMIT_BYTES). */
export const BodyLimit = (bytes: number): MethodDecorator =>
  edgeDecorator({ bodyLimitBytes: bytes });

/**
 * This route takes a multipart/form-data body and reads it itself, streaming (the import's
 * upload): the JSON-only rule and the JSON body limit do not apply to that body.
 */
export const MultipartBody = (): MethodDecorator => edgeDecorator({ multipart: true });

/** Whether the request is a multipart body sent to a route that takes one. */
export function isMultipartUpload(request: FastifyRequest): boolean {
  const edge = (request.routeOptions.config as unknown as Record<string, unknown> | undefined)?.[
    EDGE
  ] as RouteEdge | undefined;
  return (
    edge?.multipart === true &&
    /^multipart\/form-data(?:;|$)/i.test(request.headers['content-type'] ?? '')
  );
}

/** Run this check instead of the bearer token's before the body is read ('none': no check). */
export const BeforeBody = (check: NonNullable<RouteEdge['beforeBody']>): MethodDecorator =>
  edgeDecorator({ beforeBody: check });

/** A route anyone may call: no bearer token is checked before its body (unless it names a check). */
export const NoTokenBeforeBody = (): MethodDecorator => edgeDecorator({ beforeBody: 'none' }, true);

/**
 * An answer sent before the request's body has fully arrived (a refusal before the body, a 413
 * by Content-Length) closes the connection: otherwise Node reads the rest of the body, up to a
 * megabyte or more the gateway already refused, just to reuse the connection.
 */
export function closeUnreadBodies(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (!request.raw.complete) reply.header('connection', 'close');
    done(null, payload);
  });
}

/** The API's own routes: the bearer pre-check applies to these only (not to /health or docs). */
const API_PREFIX = '/api/v1/';

/**
 * Applies each route's edge as Fastify registers it: its body limit (Fastify refuses a longer
 * Content-Length at once, and stops reading a chunked body at the limit) and its before-body
 * check as a route onRequest hook. Call before the app is initialised (routes are registered then).
 * Every /api/v1 route without a check of its own verifies the bearer token there; the auth guard
 * still does the rest (the user, their token version, roles).
 */
export function useRouteEdges(
  fastify: FastifyInstance,
  bodyLimitBytes: number,
  checks: BeforeBodyChecks,
): void {
  fastify.addHook('onRoute', (route) => {
    const edge = (route.config as Record<string, unknown> | undefined)?.[EDGE] as
      RouteEdge | undefined;
    // HTTP_BODY_LIMIT_BYTES bounds every route; a route may only ask for less.
    route.bodyLimit = Math.min(edge?.bodyLimitBytes ?? bodyLimitBytes, bodyLimitBytes);
    const name =
      edge?.beforeBody ?? (route.url.toLowerCase().startsWith(API_PREFIX) ? 'bearer' : 'none');
    if (name === 'none') return;
    const check = checks[name];
    const hook: onRequestHookHandler = (request, _reply, done) => {
      check(request).then(
        () => done(),
        (error: Error) => done(error),
      );
    };
    const existing = route.onRequest;
    route.onRequest = existing === undefined ? [hook] : [...[existing].flat(), hook];
  });
}
