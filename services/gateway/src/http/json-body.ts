import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProblemError, problemOfStatus } from '@kanta/platform';

/** application/json, application/merge-patch+json and any other application/…+json. */
const JSON_MEDIA_TYPE = /^application\/(?:[^\s/;]+\+)?json$/i;
const JSON_CONTENT_TYPE = /^application\/(?:[^\s/;]+\+)?json(?:;|$)/i;
/** Whitespace JSON allows before the first token: space, tab, line feed, carriage return. */
const JSON_WHITESPACE = ' \t\n\r';
/**
 * How deep objects and arrays may nest in a body. Our deepest document (a partner event's
 * payload) nests five levels; 3,000 levels made the validation overflow its stack (a 500).
 */
export const MAX_JSON_DEPTH = 32;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const tooLarge = (): ProblemError =>
  new ProblemError(problemOfStatus(413, 'The body is larger than this endpoint accepts.'));
const notJson = (): ProblemError =>
  new ProblemError(problemOfStatus(400, 'The body is not valid JSON.'));
const unsupportedEncoding = (): ProblemError =>
  new ProblemError(problemOfStatus(415, 'The body encoding or charset is not supported.'));

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && JSON_MEDIA_TYPE.test(contentType.split(';')[0].trim());
}

/**
 * A body in anything but JSON is refused rather than silently read as empty, on every route
 * (an unknown one included) and before the body is read.
 */
export function requireJsonBody(request: FastifyRequest): void {
  const headers = request.headers;
  const hasBody =
    Number(headers['content-length'] ?? 0) > 0 || headers['transfer-encoding'] !== undefined;
  if (hasBody && !isJson(headers['content-type'])) {
    throw ProblemError.of(
      415,
      'unsupported-media-type',
      'Unsupported media type',
      'Send the body as application/json.',
    );
  }
}

function charsetOf(contentType: string | undefined): string {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return match ? match[1].toLowerCase() : 'utf-8';
}

function decompressed(raw: Buffer, encoding: string, limit: number): Buffer {
  const options = { maxOutputLength: limit };
  try {
    switch (encoding) {
      case 'identity':
        return raw;
      case 'gzip':
        return gunzipSync(raw, options);
      case 'deflate':
        return inflateSync(raw, options);
      case 'br':
        return brotliDecompressSync(raw, options);
      default:
        throw unsupportedEncoding();
    }
  } catch (error) {
    if (error instanceof ProblemError) throw error;
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
    throw notJson();
  }
}

/** The key a raw JSON string (quotes included) names, or the raw text when it does not decode. */
function keyOf(raw: string): string {
  try {
    return String(JSON.parse(raw));
  } catch {
    return raw;
  }
}

/**
 * The path (`customer.addresses.0`) of the first object or array nested deeper than `maxDepth`,
 * or null. One pass over the text before it is parsed, so a deep body costs a scan, not a parse
 * and a validation; malformed text is left for JSON.parse to refuse.
 */
export function tooDeepPath(text: string, maxDepth: number): string | null {
  // Per open container: the key (raw, quotes included) or index of the member being read.
  const members: (string | number)[] = [];
  const inObject: boolean[] = [];
  let expectingKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let end = i + 1;
      for (;;) {
        end = text.indexOf('"', end);
        if (end < 0) return null;
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === BACKSLASH) slashes++;
        if (slashes % 2 === 0) break;
        end++;
      }
      if (expectingKey) {
        members[members.length - 1] = text.slice(i, end + 1);
        expectingKey = false;
      }
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (members.length >= maxDepth) {
        return members.map((m) => (typeof m === 'number' ? String(m) : keyOf(m))).join('.');
      }
      inObject.push(c === 0x7b);
      members.push(0);
      expectingKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      inObject.pop();
      members.pop();
      expectingKey = false;
    } else if (c === 0x2c /* , */ && members.length > 0) {
      if (inObject[inObject.length - 1]) expectingKey = true;
      else members[members.length - 1] = (members[members.length - 1] as number) + 1;
    }
  }
  return null;
}

/**
 * JSON bodies read as the gateway has always read them (Express's JSON parser before): UTF
 * charsets only, gzip/deflate/br bodies inflated within the limit, an empty body as `{}`, and
 * only an object or an array at the top; nesting deeper than MAX_JSON_DEPTH is a 422 naming the
 * path, found before the text is parsed.
 */
export function parseJsonBody(request: FastifyRequest, raw: Buffer, limit: number): unknown {
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase();
  const bytes = decompressed(raw, encoding, limit);
  const charset = charsetOf(request.headers['content-type']);
  if (!charset.startsWith('utf-')) throw unsupportedEncoding();
  let text: string;
  try {
    text = new TextDecoder(charset).decode(bytes);
  } catch {
    throw unsupportedEncoding();
  }
  if (text.length === 0) return {};
  let start = 0;
  while (start < text.length && JSON_WHITESPACE.includes(text[start])) start++;
  const first = text.charAt(start);
  if (first !== '{' && first !== '[') throw notJson();
  const deep = tooDeepPath(text, MAX_JSON_DEPTH);
  if (deep !== null) {
    throw ProblemError.field(
      deep,
      'too_deep',
      `${deep} nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw notJson();
  }
}

/** Replaces Fastify's body parsers with the one for JSON above. */
export function useJsonBodies(fastify: FastifyInstance, limit: number): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    JSON_CONTENT_TYPE,
    { parseAs: 'buffer', bodyLimit: limit },
    (request, body, done) => {
      try {
        // Inflated bodies too are held to the route's own limit (useRouteEdges).
        done(null, parseJsonBody(request, body as Buffer, request.routeOptions.bodyLimit ?? limit));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
  fastify.addHook('preValidation', (request, _reply, done) => {
    // An announced empty JSON body reads as {} (Fastify skips the parser for it).
    if (
      request.body === undefined &&
      request.headers['content-length'] === '0' &&
      isJson(request.headers['content-type'])
    ) {
      request.body = {};
    }
    done();
  });
}
