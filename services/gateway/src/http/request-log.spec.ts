import { Writable } from 'node:stream';
import fastify, { type FastifyInstance } from 'fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import pino from 'pino';
import { RequestLog } from './request-log';

const NAME = 'Lokitesti';
const ID = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

/** A server with the gateway's request log, and the lines it wrote. */
async function loggedServer(): Promise<{ app: FastifyInstance; lines: () => string[] }> {
  const written: string[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        written.push(chunk.toString());
        done();
      },
    }),
  );
  const log = new RequestLog(logger);
  const app = fastify();
  log.watchRoutes(app);
  app.addHook('onResponse', (request, reply, done) => {
    log.response(request, reply);
    done();
  });
  app.get('/api/v1/customers', () => ({ items: [] }));
  app.get('/api/v1/customers/:id', () => ({}));
  app.get('/api/v1/partner/schemas/:type', () => ({}));
  app.post('/api/v1/customers', () => ({}));
  log.learnQueries({
    paths: {
      '/api/v1/customers': {
        get: {
          parameters: [
            { name: 'q', in: 'query' },
            { name: 'limit', in: 'query' },
          ],
          responses: {},
        },
      },
    },
  } as unknown as OpenAPIObject);
  await app.ready();
  return { app, lines: () => written };
}

describe('the request log', () => {
  it('logs the names of the documented query parameters, never their values', async () => {
    const { app, lines } = await loggedServer();
    await app.inject({ method: 'GET', url: `/api/v1/customers?q=${NAME}&limit=5&${NAME}2=x` });
    expect(lines()).toHaveLength(1);
    const { req } = JSON.parse(lines()[0]) as { req: Record<string, unknown> };
    expect(req).toMatchObject({
      method: 'GET',
      path: '/api/v1/customers',
      query: ['q', 'limit'],
      otherQueryParameters: 1,
    });
    expect(lines()[0]).not.toContain(NAME);
  });

  it('logs ids and route words of a path, and nothing else a caller typed into it', async () => {
    const { app, lines } = await loggedServer();
    await app.inject({ method: 'GET', url: `/api/v1/customers/${ID}` });
    await app.inject({ method: 'GET', url: `/api/v1/customers/${NAME}` });
    await app.inject({ method: 'GET', url: `/api/v1/partner/schemas/${NAME}` });
    await app.inject({ method: 'GET', url: `/api/v1/customers/${ID}/${NAME}/x` });
    const paths = lines().map((line) => (JSON.parse(line) as { req: { path: string } }).req.path);
    expect(paths).toEqual([
      `/api/v1/customers/${ID}`,
      '/api/v1/customers/:id',
      '/api/v1/partner/schemas/:type',
      `/api/v1/customers/${ID}/*/*`,
    ]);
    expect(lines().join('')).not.toContain(NAME);
  });

  it('never logs a body', async () => {
    const { app, lines } = await loggedServer();
    await app.inject({ method: 'POST', url: '/api/v1/customers', payload: { firstName: NAME } });
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).not.toContain(NAME);
  });
});
