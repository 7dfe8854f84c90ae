import multipart from '@fastify/multipart';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { AddressInfo } from 'node:net';
import { migrateServiceSchema } from '@kanta/database';
import { Logger } from '@nestjs/common';
import {
  createLogger,
  createValidationPipe,
  nestLogger,
  ProblemFilter,
  problemOfStatus,
  writeProblem,
} from '@kanta/platform';
import { AppModule } from './app.module';
import type { GatewayConfig } from './config';
import { gatewaySchema } from './database/schema';
import { GatewayFastifyAdapter } from './http/http-result';
import { requireJsonBody, useJsonBodies } from './http/json-body';
import { useMethodNotAllowed } from './http/method-not-allowed';
import { createOpenApiDocument } from './http/openapi';
import { assignRequestId } from './http/request-id';
import { RequestLog } from './http/request-log';
import { useResponseEtags } from './http/response-etag';
import { closeUnreadBodies, isMultipartUpload, useRouteEdges } from './http/route-edge';
import { AccessTokens } from './auth/access-tokens';
import type { AuthenticatedRequest } from './auth/auth.decorators';
import { LoginThrottle } from './auth/login-throttle';
import { PartnerGate } from './partner/partner-gate';

/** Builds the gateway's HTTP app (not yet listening) from a configuration. */
export async function createGatewayApp(config: GatewayConfig): Promise<NestFastifyApplication> {
  const logger = createLogger('gateway', config.logLevel);
  const frameworkLogger = new Logger('ProblemFilter');
  const adapter = new GatewayFastifyAdapter({
    trustProxy: config.trustProxy,
    bodyLimit: config.bodyLimitBytes,
    // Paths match as they did under Express: in any case, with or without a trailing slash.
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
    // A path the router cannot even decode (e.g. %FF) is a 400 problem like any other refusal.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      assignRequestId(request, reply);
      writeProblem(
        request,
        reply,
        problemOfStatus(400, 'The path is not a valid URL.'),
        frameworkLogger,
        error,
      );
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    // Our own JSON parser (useJsonBodies), not the one Nest would register.
    bodyParser: false,
    logger: nestLogger(logger),
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  const refuseOtherMethods = useMethodNotAllowed(fastify);
  const requestLog = new RequestLog(logger);
  requestLog.watchRoutes(fastify);
  // First, in this order: every answer (even a refused body) carries the request id, a known
  // path asked with a method it does not take is a 405, and a body that is not JSON is refused
  // before it is read.
  fastify.addHook('onRequest', (request, reply, done) => {
    assignRequestId(request, reply);
    try {
      refuseOtherMethods(request, reply);
      if (!isMultipartUpload(request)) requireJsonBody(request);
      done();
    } catch (error) {
      done(error as Error);
    }
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    requestLog.response(request, reply);
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    requestLog.abort(request);
    done();
  });
  // Each route's body limit and the check that runs before its body is read (a token, the login
  // rate limit, the partner key): until a caller passes it, no body is read or parsed.
  const tokens = app.get(AccessTokens);
  const loginThrottle = app.get(LoginThrottle);
  const partnerGate = app.get(PartnerGate);
  useRouteEdges(fastify, config.bodyLimitBytes, {
    bearer: async (request) => {
      (request as AuthenticatedRequest).tokenClaims = await tokens.fromHeader(
        request.headers.authorization,
      );
    },
    login: (request) => loginThrottle.beforeBody(request.ip),
    partner: (request) => partnerGate.admit(request),
  });
  closeUnreadBodies(fastify);
  useJsonBodies(fastify, config.bodyLimitBytes);
  // Multipart bodies (the import's upload, the only route that takes one: MultipartBody) are read
  // by their route as a stream, the file's size limited by IMPORT_MAX_BYTES. Registered after
  // useJsonBodies, which removes every parser before it.
  await app.register(multipart, {
    throwFileSizeLimit: true,
    limits: {
      fileSize: config.importMaxBytes,
      files: 1,
      fields: 10,
      fieldSize: 64 * 1024,
      parts: 11,
      headerPairs: 100,
    },
  });
  useResponseEtags(fastify);
  app.setGlobalPrefix('api/v1', { exclude: ['health'] });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemFilter());

  const document = createOpenApiDocument(app);
  requestLog.learnQueries(document);
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
  return app;
}

export interface RunningGateway {
  app: NestFastifyApplication;
  /** Base URL, e.g. http://127.0.0.1:3000 */
  url: string;
  close(): Promise<void>;
}

/** Applies the gateway's migrations, builds the app and listens on the configured port. */
export async function startGateway(config: GatewayConfig): Promise<RunningGateway> {
  await migrateServiceSchema(gatewaySchema, config.database);
  const app = await createGatewayApp(config);
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return { app, url: `http://${host}:${address.port}`, close: () => app.close() };
}
