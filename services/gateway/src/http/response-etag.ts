import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';

const NO_CACHE = /(?:^|,)\s*?no-cache\s*?(?:,|$)/;

/** A weak validator of a body: its length and a hash of it. */
function weakEtagOf(body: Buffer): string {
  const hash = createHash('sha1').update(body).digest('base64').substring(0, 27);
  return `W/"${body.length.toString(16)}-${hash}"`;
}

/** Whether the client's copy (If-None-Match) is the answer it would get now. */
function isFresh(headers: IncomingHttpHeaders, etag: string): boolean {
  const noneMatch = headers['if-none-match'];
  if (!noneMatch) return false;
  const cacheControl = headers['cache-control'];
  if (cacheControl && NO_CACHE.test(cacheControl)) return false;
  if (noneMatch === '*') return true;
  return noneMatch
    .split(',')
    .map((tag) => tag.trim())
    .some((tag) => tag === etag || tag === `W/${etag}` || `W/${tag}` === etag);
}

/**
 * Every answer with a body carries an ETag (a weak one made from the body unless the handler set
 * its own, such as a customer's version), and a GET or HEAD whose If-None-Match is still current
 * is answered 304 without a body, as the gateway answered under Express.
 */
export function useResponseEtags(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) {
      done(null, payload);
      return;
    }
    let etag = reply.getHeader('etag');
    if (etag === undefined) {
      etag = weakEtagOf(typeof payload === 'string' ? Buffer.from(payload) : payload);
      reply.header('ETag', etag);
    }
    const status = reply.statusCode;
    if (
      (request.method === 'GET' || request.method === 'HEAD') &&
      ((status >= 200 && status < 300) || status === 304) &&
      isFresh(request.headers, String(etag))
    ) {
      reply.code(304);
      reply.removeHeader('content-type');
      reply.removeHeader('content-length');
      reply.removeHeader('transfer-encoding');
      done(null, null);
      return;
    }
    done(null, payload);
  });
}
