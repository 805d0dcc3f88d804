import { Global, Module } from '@nestjs/common';
import { RedisService } from './redis.service.js';

/** Redis shared by the instances when REDIS_URL is set (see RedisService). Global: the operator module binds its shared state to it. */
@Global()
@Module({ providers: [RedisService], exports: [RedisService] })
export class RedisModule {}
