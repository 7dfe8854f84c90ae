import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { AddressInfo } from 'node:net';
import { createServiceDataSource, migrateServiceSchema } from '@kanta/database';
import {
  createLogger,
  createValidationPipe,
  nestLogger,
  problemErrorMiddleware,
  ProblemError,
  ProblemFilter,
} from '@kanta/platform';
import { AppModule } from './app.module';
import type { GatewayConfig } from './config';
import { gatewaySchema } from './database/schema';
import { GatewayExpressAdapter } from './http/http-result';
import { requestIdMiddleware } from './http/request-id';
import { requestLogMiddleware } from './http/request-log';

const JSON_TYPES = ['application/json', 'application/merge-patch+json', 'application/*+json'];

/** A body in anything but JSON is refused rather than silently read as empty. */
function requireJsonBodies(req: Request, _res: Response, next: NextFunction): void {
  const hasBody =
    Number(req.headers['content-length'] ?? 0) > 0 ||
    req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is(JSON_TYPES)) {
    next(
      ProblemError.of(
        415,
        'unsupported-media-type',
        'Unsupported media type',
        'Send the body as application/json.',
      ),
    );
    return;
  }
  next();
}

/** Builds the gateway's HTTP app (not yet listening) from a configuration. */
export async function createGatewayApp(config: GatewayConfig): Promise<NestExpressApplication> {
  const logger = createLogger('gateway', config.logLevel);
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config),
    new GatewayExpressAdapter(),
    { bodyParser: false, logger: nestLogger(logger), abortOnError: false },
  );
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  // Before Nest's router, in this order: every answer (even a parse error) carries the request
  // id and is logged, and the parser's errors become problem documents.
  app.use(requestIdMiddleware);
  app.use(requestLogMiddleware(logger));
  app.use(requireJsonBodies);
  app.use(express.json({ limit: config.bodyLimitBytes, type: JSON_TYPES }));
  app.use(problemErrorMiddleware());
  app.setGlobalPrefix('api/v1', { exclude: ['health'] });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemFilter());

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Kanta API')
      .setDescription(
        'Customer registry for service businesses. Errors are RFC 9457 application/problem+json.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
  return app;
}

export interface RunningGateway {
  app: NestExpressApplication;
  /** Base URL, e.g. http://127.0.0.1:3000 */
  url: string;
  close(): Promise<void>;
}

/** Applies the gateway's migrations, builds the app and listens on the configured port. */
export async function startGateway(config: GatewayConfig): Promise<RunningGateway> {
  await migrateServiceSchema(
    createServiceDataSource({ ...gatewaySchema, settings: config.postgres, poolSize: 2 }),
  );
  const app = await createGatewayApp(config);
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return { app, url: `http://${host}:${address.port}`, close: () => app.close() };
}
