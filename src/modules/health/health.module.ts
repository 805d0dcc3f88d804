import { Global, Module } from '@nestjs/common';
import { DatabaseHealth } from './database.health.js';
import { HealthController } from './health.controller.js';
import { HealthService } from './health.service.js';

@Global()
@Module({
  controllers: [HealthController],
  providers: [HealthService, DatabaseHealth],
  exports: [HealthService],
})
export class HealthModule {}
