import type { IncomingMessage } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import { pino } from 'pino';
import { AppModule } from './app.module.js';
import { AppError } from './common/errors/app-error.js';
import { HttpErrorFilter } from './common/errors/http-error.filter.js';
import { createValidationPipe } from './common/errors/validation.js';
import type { AppConfig } from './config/app-config.js';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './database/embedded-postgres.js';
import { credentialsOf } from './modules/auth/auth.guard.js';
import { CONTACTS_BULK_BODY_LIMIT, CONTACTS_BULK_PATH } from './modules/contacts/contact.dto.js';
import { AuthService } from './modules/auth/auth.service.js';

export interface RunningApp {
  app: INestApplication;
  url: string;
  /**
   * Runs every module's shutdown hooks (in-flight work is flushed there), closes the server,
   * then stops the embedded database. main.ts calls it on SIGINT/SIGTERM; we do not use Nest's
   * enableShutdownHooks(), whose own signal handler would re-raise the signal before the
   * database is stopped.
   */
  close(): Promise<void>;
}

/**
 * Builds and starts Switchboard from a validated config: the embedded PostgreSQL when no
 * DATABASE_URL is set, migrations, HTTP. Used by main.ts and by the end-to-end tests alike.
 */
export async function startApp(config: AppConfig): Promise<RunningApp> {
  const bootLog = pino({ level: config.logLevel, base: { context: 'Bootstrap' } });
  let embedded: EmbeddedDatabase | undefined;
  if (!config.database.url) {
    const started = performance.now();
    embedded = await startEmbeddedPostgres(config.database.embeddedDir, config.database.embeddedPort, (m) =>
      bootLog.debug({ component: 'embedded-postgres' }, m),
    );
    config.database.url = embedded.url;
    bootLog.info(
      { dir: config.database.embeddedDir, ms: Math.round(performance.now() - started) },
      'DATABASE_URL is not set: started the embedded PostgreSQL',
    );
  }

  let app: NestExpressApplication;
  try {
    app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { bufferLogs: true });
  } catch (e) {
    await embedded?.stop();
    throw e;
  }
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(createValidationPipe());
  useJsonBodyLimits(app);
  if (config.openApiEnabled) mountOpenApi(app);
  await app.listen(config.http.port, config.http.host);
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${address.port}`;
  app.get(Logger).log(`Switchboard listening on ${url}`, 'Bootstrap');

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await app.close();
      await embedded?.stop();
    })());
  return { app, url, close };
}

/** Routes whose JSON bodies may be larger than Express's 100 kB default. */
const LARGE_JSON_BODIES: readonly { path: string; limit: string }[] = [
  { path: CONTACTS_BULK_PATH, limit: CONTACTS_BULK_BODY_LIMIT },
];

/**
 * JSON bodies stay at 100 kB except on the routes above (the bulk contacts sync carries up to
 * 5,000 contacts). Registering the json parsers here replaces Nest's default one.
 */
function useJsonBodyLimits(app: NestExpressApplication): void {
  const isJson = (req: IncomingMessage) =>
    /^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '');
  const large = (req: IncomingMessage) => LARGE_JSON_BODIES.find((r) => req.url?.split('?')[0] === r.path);
  for (const { limit } of LARGE_JSON_BODIES) {
    app.useBodyParser('json', {
      limit,
      type: (req: IncomingMessage) => isJson(req) && large(req)?.limit === limit,
    });
  }
  app.useBodyParser('json', { limit: '100kb', type: (req: IncomingMessage) => isJson(req) && !large(req) });
}

/** OpenAPI at /docs and /docs-json, behind the same authentication as the API. */
function mountOpenApi(app: INestApplication): void {
  const auth = app.get(AuthService);
  const filter = new HttpErrorFilter();
  app.use(['/docs', '/docs-json'], (req: Request, res: Response, next: NextFunction) => {
    const { apiKey, bearer } = credentialsOf(req);
    auth.authenticate(apiKey, bearer).then(
      () => next(),
      (e: AppError) =>
        filter.catch(e, {
          switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
        } as never),
    );
  });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Switchboard')
      .setDescription('CRM telephony backend for Asterisk call centers')
      .setVersion('0.1.0')
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api-key')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
