import { applyDecorators, type Type } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ApiResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { JsonText } from '@kanta/platform';

/**
 * A body together with the status and headers it must be answered with (201 + Location, ETag,
 * Idempotent-Replayed), so services decide them and controllers stay one line.
 */
export class HttpResult<T> {
  constructor(
    readonly body: T,
    readonly status = 200,
    readonly headers: Record<string, string> = {},
  ) {}

  /**
   * A record with a version, answered with the version as its ETag: 200, or for a create
   * (`created`) 201 with its Location — 200 with `Idempotent-Replayed: true` when the client's
   * Idempotency-Key replayed an earlier create.
   */
  static versioned<T extends { version: number }>(
    record: T,
    created?: { location: string; replayed?: boolean },
  ): HttpResult<T> {
    const headers: Record<string, string> = { ETag: `"${record.version}"` };
    if (!created) return new HttpResult(record, 200, headers);
    headers.Location = created.location;
    if (created.replayed) headers['Idempotent-Replayed'] = 'true';
    return new HttpResult(record, created.replayed ? 200 : 201, headers);
  }
}

const header = (description: string) => ({
  description,
  required: true,
  schema: { type: 'string' },
});
const LOCATION = header('The address of the record');
const ETAG = header('The version of the record, for If-Match');

/**
 * Documents the answers of a create: 201 with the record, its Location and ETag, and, when the
 * create takes an Idempotency-Key (HttpResult.created), the 200 a repeat of it answers.
 */
export function ApiCreated(
  type: Type<unknown>,
  options: { replayable: boolean },
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiResponse({ status: 201, type, headers: { Location: LOCATION, ETag: ETAG } }),
    ...(options.replayable
      ? [
          ApiResponse({
            status: 200,
            type,
            description: 'The Idempotency-Key was used before with this request: its record',
            headers: {
              Location: LOCATION,
              ETag: ETAG,
              'Idempotent-Replayed': header('true'),
            },
          }),
        ]
      : []),
  );
}

/**
 * Fastify as Nest drives it, answering an HttpResult with its status and headers, and a service's
 * answer relayed as JSON text (JsonText) as it is. Done where the reply is written rather than in
 * a global interceptor: an interceptor costs every request an rxjs pipeline and async-context
 * bindings (some 3 % of the gateway's CPU), whatever it returns.
 */
export class GatewayFastifyAdapter extends FastifyAdapter {
  override reply(response: FastifyReply, body: unknown, statusCode?: number): FastifyReply {
    let status = statusCode;
    let content = body;
    if (content instanceof HttpResult) {
      const result = content as HttpResult<unknown>;
      for (const [name, value] of Object.entries(result.headers)) response.header(name, value);
      status = result.status;
      content = result.body;
    }
    if (content instanceof JsonText) {
      response.header('Content-Type', 'application/json; charset=utf-8');
      return super.reply(response, content.text, status);
    }
    return super.reply(response, content, status);
  }
}
