import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AppError, ErrorCode } from '../../../common/errors/app-error.js';
import { CallEventsBus } from '../../calls/call-events.bus.js';
import { CallsService } from '../../calls/calls.service.js';
import { CommEventsService } from '../../calls/comm-events/comm-events.service.js';
import { CommEventsOperatorAdapter } from './comm-events-adapter.js';
import {
  OPERATOR_COMM_EVENTS,
  OPERATOR_DIRECTORY,
  type OperatorCommEvents,
  type OperatorDirectory,
} from './operator-ports.js';

/** Until the calls module answers these, popups show no history and call:ended no CommEvent id. */
const NO_COMM_EVENTS: OperatorCommEvents = {
  idOf: () => Promise.resolve(null),
  previousCalls: () => Promise.resolve([]),
};

/** Without the directory module, every directory read or change fails with UNAVAILABLE. */
const unavailable = (): Promise<never> =>
  Promise.reject(new AppError(ErrorCode.UNAVAILABLE, 'The directory is not available (not loaded)'));
const NO_DIRECTORY: OperatorDirectory = {
  usersByExtension: unavailable,
  peerOfUser: unavailable,
  groupsOfUser: unavailable,
  supervisorsOfUser: unavailable,
  groupOfQueue: unavailable,
  setPaused: unavailable,
  onUsersChanged: () => () => undefined,
  cacheTtlMs: (unheardMs: number) => unheardMs,
};

/**
 * Binds the gateway's ports once the app is built (the same pattern as the calls module's
 * CallsPorts): OPERATOR_DIRECTORY is provided by the directory module (over DirectoryService); a
 * provider of OPERATOR_COMM_EVENTS anywhere in the app wins, else the history is read from the
 * calls module's CommEventsService and CallEventsBus (CommEventsOperatorAdapter). The calls
 * module's service and bus are found the same way, so the operator module depends on neither
 * module being loaded (a bare gateway still authenticates and answers commands).
 */
@Injectable()
export class OperatorPorts implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OperatorPorts.name);
  directory: OperatorDirectory = NO_DIRECTORY;
  commEvents: OperatorCommEvents = NO_COMM_EVENTS;
  calls: CallsService | undefined;
  bus: CallEventsBus | undefined;
  private adapter: CommEventsOperatorAdapter | undefined;
  private readonly bootstrapHooks: (() => void)[] = [];

  constructor(private readonly moduleRef: ModuleRef) {}

  /** Runs `fn` once the ports are bound (subscribers to the bus register here). */
  whenBound(fn: () => void): void {
    this.bootstrapHooks.push(fn);
  }

  onApplicationBootstrap(): void {
    this.directory = this.find<OperatorDirectory>(OPERATOR_DIRECTORY) ?? NO_DIRECTORY;
    this.calls = this.find(CallsService);
    this.bus = this.find(CallEventsBus);
    const history = this.find(CommEventsService);
    const provided = this.find<OperatorCommEvents>(OPERATOR_COMM_EVENTS);
    if (!provided && history && this.bus) this.adapter = new CommEventsOperatorAdapter(history, this.bus);
    this.commEvents = provided ?? this.adapter ?? NO_COMM_EVENTS;
    const missing = [
      this.directory === NO_DIRECTORY ? 'directory (agent commands and popups fail)' : undefined,
      this.calls && this.bus ? undefined : 'calls (no popups, no call events)',
      this.commEvents === NO_COMM_EVENTS
        ? 'comm events (no call history in popups, call:ended without CommEvent id)'
        : undefined,
    ].filter((m) => m !== undefined);
    if (missing.length > 0) this.logger.warn({ missing }, 'Operator gateway: some ports have no provider');
    for (const fn of this.bootstrapHooks) fn();
  }

  onModuleDestroy(): void {
    this.adapter?.close();
  }

  private find<T>(token: symbol | (abstract new (...args: never[]) => T)): T | undefined {
    try {
      return this.moduleRef.get<T>(token as never, { strict: false });
    } catch {
      return undefined;
    }
  }
}
