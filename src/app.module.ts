import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpErrorFilter } from './common/errors/http-error.filter.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { DirectoryModule } from './modules/directory/directory.module.js';
import { AgiModule } from './modules/agi/agi.module.js';
import { AmiModule } from './modules/ami/ami.module.js';
import { AuthModule } from './modules/auth/auth.module.js';
import { CallsModule } from './modules/calls/calls.module.js';
import { ContactsModule } from './modules/contacts/contacts.module.js';
import { HealthModule } from './modules/health/health.module.js';
import { MetricsModule } from './modules/metrics/metrics.module.js';
import { OperatorModule } from './modules/operator/operator.module.js';
import { PbxModule } from './modules/pbx/pbx.module.js';
import { RedisModule } from './modules/redis/redis.module.js';
import { UsersModule } from './modules/users/users.module.js';

/** Request ids: the caller's X-Request-Id when it is sane, else a fresh UUID. */
function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.:-]{1,64}$/.test(given) ? given : randomUUID();
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            genReqId: requestId,
            redact: {
              paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'],
              censor: '***',
            },
            autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
          },
        }),
        DatabaseModule,
        HealthModule,
        MetricsModule,
        RedisModule,
        UsersModule,
        AuthModule,
        PbxModule,
        ContactsModule,
        AmiModule,
        DirectoryModule,
        CallsModule,
        AgiModule,
        OperatorModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: HttpErrorFilter }],
    };
  }
}
