import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.js';
import { typeOrmOptions } from './typeorm-options.js';

/**
 * TypeORM over the database whose URL main.ts resolved at boot (DATABASE_URL, or the embedded
 * server it started). Migrations are applied when the connection opens; synchronize is never on.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...typeOrmOptions(config.database.url!, config.database.poolSize),
        migrationsRun: true,
        retryAttempts: 3,
        retryDelay: 1000,
      }),
    }),
  ],
})
export class DatabaseModule {}
