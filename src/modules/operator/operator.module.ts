import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../../config/app-config.js';
import { AmiModule } from '../ami/ami.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { ContactsModule } from '../contacts/contacts.module.js';
import { PbxModule } from '../pbx/pbx.module.js';
import { RedisCallClaims } from '../redis/redis-call-claims.js';
import { RedisIdempotencyStore } from '../redis/redis-idempotency-store.js';
import { RedisOperatorEventLog } from '../redis/redis-operator-event-log.js';
import { RedisService } from '../redis/redis.service.js';
import { AgentStatusService } from './agent-status.service.js';
import { Callback } from './callbacks/callback.entity.js';
import { CallbacksController } from './callbacks/callbacks.controller.js';
import { CallbacksRepository } from './callbacks/callbacks.repository.js';
import { CallbacksService } from './callbacks/callbacks.service.js';
import { ConsoleController } from './console/console.controller.js';
import { OperatorCallsController } from './operator-calls.controller.js';
import { OperatorCommandForwarder } from './operator-command-forwarder.js';
import { OperatorCommandsService } from './operator-commands.service.js';
import { OperatorEventsService } from './operator-events.service.js';
import { OperatorGateway } from './operator.gateway.js';
import { OperatorPublisher } from './operator-publisher.js';
import { PopupService } from './popup.service.js';
import { OperatorPorts } from './ports/operator-ports.service.js';
import { CALL_CLAIMS, MemoryCallClaims } from './state/call-claims.js';
import { IDEMPOTENCY_STORE, MemoryIdempotencyStore } from './state/idempotency-store.js';
import { MemoryOperatorEventLog } from './state/memory-operator-event-log.js';
import { OPERATOR_EVENT_LOG } from './state/operator-event-log.js';

/** Users whose replay buffers one instance keeps. */
const MAX_USERS = 20_000;

/**
 * Operators in the browser: the Socket.IO namespace /operator (popups, call and agent events with
 * resume, commands), the same commands over REST (/api/v1/calls), call-back tasks
 * (/api/v1/callbacks) and the operator console (/console). Public service: OperatorCommandsService.
 *
 * The event log, the idempotency store and the call claims are bound to in-memory implementations
 * here; a multi-instance deployment binds shared ones to the same tokens.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Callback]), AuthModule, AmiModule, ContactsModule, PbxModule],
  controllers: [OperatorCallsController, CallbacksController, ConsoleController],
  providers: [
    // With REDIS_URL the three are shared by the instances (src/modules/redis), with a local fallback.
    {
      provide: OPERATOR_EVENT_LOG,
      inject: [AppConfig, RedisService],
      useFactory: (config: AppConfig, redis: RedisService) => {
        const opts = { perUser: config.operator.replayEvents, maxUsers: MAX_USERS };
        return redis.enabled ? new RedisOperatorEventLog(redis, opts) : new MemoryOperatorEventLog(opts);
      },
    },
    {
      provide: IDEMPOTENCY_STORE,
      inject: [RedisService],
      useFactory: (redis: RedisService) => {
        const opts = { ttlMs: 10 * 60_000, maxEntries: 100_000 };
        return redis.enabled ? new RedisIdempotencyStore(redis, opts) : new MemoryIdempotencyStore(opts);
      },
    },
    {
      provide: CALL_CLAIMS,
      inject: [RedisService],
      useFactory: (redis: RedisService) =>
        redis.enabled ? new RedisCallClaims(redis) : new MemoryCallClaims(),
    },
    OperatorPorts,
    OperatorPublisher,
    PopupService,
    AgentStatusService,
    CallbacksRepository,
    CallbacksService,
    OperatorEventsService,
    OperatorCommandForwarder,
    OperatorCommandsService,
    OperatorGateway,
  ],
  exports: [OperatorCommandsService],
})
export class OperatorModule {}
